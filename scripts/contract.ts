/**
 * Compares a schema with the public contract (../shared/contract.graphql): every type, field,
 * argument, input field and enum value of the contract must exist with the same meaning.
 * Outputs may be stricter (non-null where the contract allows null); inputs may be looser.
 */
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLType,
  type GraphQLSchema,
} from 'graphql';

type AnyType = GraphQLType;

/** Can a value of `ours` always be read as `theirs`? (covariant: outputs) */
function outputCompatible(ours: AnyType, theirs: AnyType): boolean {
  if (isNonNullType(theirs)) return isNonNullType(ours) && outputCompatible(ours.ofType, theirs.ofType);
  if (isNonNullType(ours)) return outputCompatible(ours.ofType, theirs);
  if (isListType(theirs)) return isListType(ours) && outputCompatible(ours.ofType, theirs.ofType);
  return !isListType(ours) && ours.name === theirs.name;
}

/** Is every value a client may send for `theirs` accepted by `ours`? (contravariant: inputs) */
function inputCompatible(ours: AnyType, theirs: AnyType): boolean {
  return outputCompatible(theirs, ours);
}

export function contractProblems(contractSdl: string, schema: GraphQLSchema): string[] {
  const contract = buildSchema(contractSdl);
  const problems: string[] = [];
  for (const theirs of Object.values(contract.getTypeMap())) {
    if (theirs.name.startsWith('__')) continue;
    const ours = schema.getType(theirs.name);
    if (!ours) {
      problems.push(`type ${theirs.name} is missing`);
      continue;
    }
    if (ours.constructor !== theirs.constructor) {
      problems.push(`type ${theirs.name} is a ${ours.constructor.name}, the contract has a ${theirs.constructor.name}`);
      continue;
    }
    if (isEnumType(theirs) && isEnumType(ours)) {
      for (const value of theirs.getValues()) {
        if (!ours.getValue(value.name)) problems.push(`enum value ${theirs.name}.${value.name} is missing`);
      }
    } else if ((isObjectType(theirs) || isInterfaceType(theirs)) && (isObjectType(ours) || isInterfaceType(ours))) {
      const interfaces = ours.getInterfaces().map((i) => i.name);
      for (const iface of theirs.getInterfaces()) {
        if (!interfaces.includes(iface.name)) problems.push(`type ${theirs.name} does not implement ${iface.name}`);
      }
      const ourFields = ours.getFields();
      for (const field of Object.values(theirs.getFields())) {
        const where = `${theirs.name}.${field.name}`;
        const mine = ourFields[field.name];
        if (!mine) {
          problems.push(`field ${where} is missing`);
          continue;
        }
        if (!outputCompatible(mine.type, field.type)) problems.push(`field ${where} is ${mine.type}, the contract has ${field.type}`);
        for (const arg of field.args) {
          const myArg = mine.args.find((a) => a.name === arg.name);
          if (!myArg) problems.push(`argument ${where}(${arg.name}) is missing`);
          else if (!inputCompatible(myArg.type, arg.type)) {
            problems.push(`argument ${where}(${arg.name}) is ${myArg.type}, the contract has ${arg.type}`);
          }
        }
        for (const extra of mine.args) {
          if (!field.args.some((a) => a.name === extra.name) && isNonNullType(extra.type) && extra.defaultValue === undefined) {
            problems.push(`argument ${where}(${extra.name}) is required but not in the contract`);
          }
        }
      }
    } else if (isInputObjectType(theirs) && isInputObjectType(ours)) {
      const ourFields = ours.getFields();
      for (const field of Object.values(theirs.getFields())) {
        const mine = ourFields[field.name];
        if (!mine) problems.push(`input field ${theirs.name}.${field.name} is missing`);
        else if (!inputCompatible(mine.type, field.type)) {
          problems.push(`input field ${theirs.name}.${field.name} is ${mine.type}, the contract has ${field.type}`);
        }
      }
      for (const extra of Object.values(ourFields)) {
        if (!theirs.getFields()[extra.name] && isNonNullType(extra.type) && extra.defaultValue === undefined) {
          problems.push(`input field ${theirs.name}.${extra.name} is required but not in the contract`);
        }
      }
    } else if (!isScalarType(theirs) && !isUnionType(theirs)) {
      problems.push(`type ${theirs.name}: unsupported kind`);
    }
  }
  return problems;
}
