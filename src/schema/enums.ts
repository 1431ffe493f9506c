/** The contract's enums, built from the same constant lists the server checks against. */
import { AUTH_METHODS } from '../vocabulary/viewer.js';
import { ROLES } from '../vocabulary/scopes.js';
import { ARTIFACT_TYPES, VISIBILITIES } from '../db/model.js';
import { builder } from './builder.js';

export const RoleEnum = builder.enumType('Role', { values: ROLES });
export const AuthMethodEnum = builder.enumType('AuthMethod', { values: AUTH_METHODS });
export const ArtifactTypeEnum = builder.enumType('ArtifactType', { values: ARTIFACT_TYPES });
export const VisibilityEnum = builder.enumType('Visibility', { values: VISIBILITIES });
