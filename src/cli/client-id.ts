/** The OAuth client_id the CLI sends to the device and token endpoints (a public client). */
export const CLIENT_ID = 'skillmeat-cli';
