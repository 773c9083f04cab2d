// Finds the GraphQL names the schema gives Chinook's tables, columns and relations, whatever the
// engine's spelling (Artist/ArtistId in SQLite and MariaDB, artist/artist_id in PostgreSQL) and
// the naming option, so one query text serves every engine:
//   {{list Artist}} {{pk Artist}} {{agg Artist}} {{col Artist ArtistId}} {{rel Artist Album}}
//   {{relagg Artist Album}} {{insertOne Artist}} {{arg order_by}}
import { getNamedType, isListType, isNonNullType, isObjectType } from 'graphql';

export const norm = (name) => name.toLowerCase().replaceAll('_', '');

const unwrap = (type) => (isNonNullType(type) ? type.ofType : type);
const isList = (type) => isListType(unwrap(type));

export function namesOf(schema) {
  const types = Object.values(schema.getTypeMap()).filter((t) => isObjectType(t) && !t.name.startsWith('__'));
  const entity = (table) => {
    const hits = types.filter((t) => norm(t.name) === norm(table));
    if (hits.length !== 1) throw new Error(`no single object type for table ${table} (found ${hits.map((t) => t.name).join(', ') || 'none'})`);
    return hits[0];
  };
  const rootFields = Object.values(schema.getQueryType().getFields());
  const mutationFields = Object.values(schema.getMutationType()?.getFields() ?? {});
  const pick = (what, fields, test) => {
    const hits = fields.filter(test);
    if (hits.length === 0) throw new Error(`no ${what}`);
    // Prefer the Hasura-style spelling when a compatibility alias also matches.
    return hits.sort((a, b) => a.name.length - b.name.length)[0].name;
  };
  const resolvers = {
    list: (table) => pick(`list field for ${table}`, rootFields, (f) => isList(f.type) && getNamedType(f.type) === entity(table) && f.args.some((a) => a.name === 'where')),
    pk: (table) => pick(`by-key field for ${table}`, rootFields, (f) => !isList(f.type) && getNamedType(f.type) === entity(table)),
    agg: (table) =>
      pick(`aggregate field for ${table}`, rootFields, (f) => {
        const t = getNamedType(f.type);
        const nodes = isObjectType(t) && t.getFields().nodes;
        return Boolean(nodes && getNamedType(nodes.type) === entity(table) && t.getFields().aggregate);
      }),
    // An argument of the list fields (`order_by`, `orderBy` with the camel naming).
    arg: (name) => pick(`argument ${name}`, rootFields.flatMap((f) => (isList(f.type) ? f.args : [])), (a) => norm(a.name) === norm(name)),
    insertOne: (table) =>
      pick(`single insert for ${table}`, mutationFields, (f) => !isList(f.type) && getNamedType(f.type) === entity(table) && f.args.some((a) => a.name === 'object')),
    col: (table, column) => pick(`column ${table}.${column}`, Object.values(entity(table).getFields()), (f) => norm(f.name) === norm(column) && f.args.length === 0),
    rel: (table, target) =>
      pick(`relation ${table} -> ${target}`, Object.values(entity(table).getFields()), (f) => getNamedType(f.type) === entity(target)),
    relagg: (table, target) =>
      pick(`relation aggregate ${table} -> ${target}`, Object.values(entity(table).getFields()), (f) => {
        const t = getNamedType(f.type);
        const nodes = isObjectType(t) && t.getFields().nodes;
        return Boolean(nodes && getNamedType(nodes.type) === entity(target));
      }),
  };
  return {
    ...resolvers,
    entityType: (table) => entity(table).name,
    render: (template, options) => render(resolvers, template, options),
  };
}

// Replaces the {{...}} markers of a query template; `@alias:` becomes an alias, or nothing when
// `aliases` is false (the schema's own names then reach the response).
export function render(resolvers, template, { aliases = true } = {}) {
  return template.replace(/@(\w+): /g, aliases ? '$1: ' : '').replace(/\{\{(\w+) (\w+)(?: (\w+))?\}\}/g, (_, kind, a, b) => {
    if (!resolvers[kind]) throw new Error(`unknown marker ${kind}`);
    return resolvers[kind](a, b);
  });
}
