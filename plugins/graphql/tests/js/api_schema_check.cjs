// Checks one API schema with graphql-js: node api_schema_check.cjs <sdl file> <introspection response file>.
// The SDL must build and validate, the introspection answer must give a valid client schema, and
// both must print alike once sorted. Prints what is wrong and exits 1.
const fs = require('fs');
const { buildSchema, buildClientSchema, validateSchema, printSchema, lexicographicSortSchema } = require('graphql');

const [sdlFile, introspectionFile] = process.argv.slice(2);
const problems = [];
const fromSdl = buildSchema(fs.readFileSync(sdlFile, 'utf8'));
for (const e of validateSchema(fromSdl)) problems.push('SDL: ' + e.message);
const response = JSON.parse(fs.readFileSync(introspectionFile, 'utf8'));
if (response.errors) problems.push('introspection errors: ' + JSON.stringify(response.errors));
const fromIntrospection = buildClientSchema(response.data);
for (const e of validateSchema(fromIntrospection)) problems.push('introspection: ' + e.message);
const a = printSchema(lexicographicSortSchema(fromSdl));
const b = printSchema(lexicographicSortSchema(fromIntrospection));
if (a !== b) problems.push('the SDL and the introspection answer differ');
if (problems.length) {
  console.log(problems.join('\n'));
  process.exit(1);
}
console.log('ok: ' + Object.keys(fromSdl.getTypeMap()).length + ' types');
