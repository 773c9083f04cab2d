// Rex's GraphQL language side against graphql-js (the reference implementation):
// - every corpus document is accepted by Rex exactly when graphql-js `validate` accepts it, and as
//   the corpus file says; a rejected one gets the same messages;
// - the test schema's SDL from Rex's print_schema builds in graphql-js, is a valid schema, and
//   prints back identically;
// - Rex's answer to graphql-js's introspection query builds a valid client schema equal to it.
// REX_GRAPHQL_TOOL names graphql_validate_tool (see ../validation_tool.cpp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import {
  buildSchema, validateSchema, printSchema, parse, validate, getIntrospectionQuery, buildClientSchema, graphqlSync,
} from 'graphql';

const tool = process.env.REX_GRAPHQL_TOOL;
if (!tool) throw new Error('set REX_GRAPHQL_TOOL to the graphql_validate_tool binary');
const corpusDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'corpus');

const run = (args, input) => execFileSync(tool, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
const sdl = run(['sdl']).trimEnd();
const schema = buildSchema(sdl);

test('print_schema output builds a valid graphql-js schema and prints back the same', () => {
  assert.deepEqual(validateSchema(schema).map((e) => e.message), []);
  assert.equal(printSchema(schema), sdl);
});

test('Rex accepts exactly the corpus documents graphql-js accepts', (t) => {
  const files = readdirSync(corpusDir).filter((f) => f.endsWith('.graphql')).sort().map((f) => path.join(corpusDir, f));
  const cases = JSON.parse(run(['corpus', ...files]));
  let valid = 0;
  let invalid = 0;
  const differentWords = [];
  const mismatches = [];
  for (const c of cases) {
    let jsErrors;
    try {
      jsErrors = validate(schema, parse(c.document)).map((e) => e.message);
    } catch (e) {
      jsErrors = [e.message];
    }
    const jsValid = jsErrors.length === 0;
    const rexValid = c.errors.length === 0;
    if (jsValid) valid++;
    else invalid++;
    const rexMessages = c.errors.map((e) => e.message);
    if (!jsValid && JSON.stringify([...rexMessages].sort()) !== JSON.stringify([...jsErrors].sort())) {
      differentWords.push(`${path.basename(c.file)}:${c.line}\n  graphql-js: ${JSON.stringify(jsErrors)}\n  rex:        ${JSON.stringify(rexMessages)}`);
    }
    if (jsValid !== rexValid || rexValid !== (c.expect === 'valid')) {
      mismatches.push(`${path.basename(c.file)}:${c.line} (${c.expect}: ${c.title})\n` +
        `  graphql-js: ${jsValid ? 'valid' : JSON.stringify(jsErrors)}\n` +
        `  rex:        ${rexValid ? 'valid' : JSON.stringify(c.errors.map((e) => e.message))}`);
    }
  }
  t.diagnostic(`${invalid - differentWords.length} of ${invalid} rejected documents get graphql-js's exact messages`);
  assert.equal(mismatches.length, 0, `${mismatches.length} of ${cases.length} cases differ:\n${mismatches.join('\n')}`);
  // The messages too, as a set per document (graphql-js reports rules in another order).
  assert.equal(differentWords.length, 0, `messages differ:\n${differentWords.join('\n')}`);
  assert.ok(valid >= 100 && invalid >= 100, `the corpus has ${valid} valid and ${invalid} invalid documents`);
});

test('introspection answers build the same schema in graphql-js', () => {
  const query = getIntrospectionQuery({
    descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true,
    inputValueDeprecation: true,
  });
  const rex = JSON.parse(run(['execute'], query));
  assert.equal(rex.errors, undefined, JSON.stringify(rex.errors));
  const client = buildClientSchema(rex.data);
  assert.deepEqual(validateSchema(client).map((e) => e.message), []);
  assert.equal(printSchema(client), printSchema(schema));
  // Field by field against graphql-js's own answer (types and directives compared by name).
  const js = JSON.parse(JSON.stringify(graphqlSync({ schema, source: query })));
  const byName = (list) => Object.fromEntries(list.map((t) => [t.name, t]));
  const normalize = (data) => ({
    ...data.__schema, types: byName(data.__schema.types), directives: byName(data.__schema.directives),
  });
  const rexSchema = normalize(rex.data);
  const jsSchema = normalize(js.data);
  for (const name of Object.keys(jsSchema.types)) assert.deepEqual(rexSchema.types[name], jsSchema.types[name], name);
  assert.deepEqual(Object.keys(rexSchema.types).sort(), Object.keys(jsSchema.types).sort());
  for (const name of Object.keys(jsSchema.directives)) {
    assert.deepEqual(rexSchema.directives[name], jsSchema.directives[name], `@${name}`);
  }
  assert.deepEqual(Object.keys(rexSchema.directives).sort(), Object.keys(jsSchema.directives).sort());
  assert.deepEqual(rexSchema.queryType, jsSchema.queryType);
  assert.deepEqual(rexSchema.mutationType, jsSchema.mutationType);
  assert.deepEqual(rexSchema.subscriptionType, jsSchema.subscriptionType);
  assert.equal(rexSchema.description, jsSchema.description);
});

test('__type answers match graphql-js', () => {
  const query = '{ __type(name: "track") { name kind fields { name args { name defaultValue } } interfaces { name } } ' +
    'missing: __type(name: "nothing") { name } enum: __type(name: "media_kind") { enumValues(includeDeprecated: true) ' +
    '{ name isDeprecated deprecationReason } } }';
  const rex = JSON.parse(run(['execute'], query));
  assert.deepEqual(rex, JSON.parse(JSON.stringify(graphqlSync({ schema, source: query }))));
});
