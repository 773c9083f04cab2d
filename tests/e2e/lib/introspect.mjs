// Rex's schema as graphql-js sees it: the standard introspection query over HTTP, built into a
// client schema.
import { buildClientSchema, getIntrospectionQuery } from 'graphql';
import { post } from './host.mjs';

export async function introspect(host) {
  const r = await post(host, { query: getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true }) });
  if (r.status !== 200 || !r.json?.data || r.json.errors) throw new Error(`introspection failed (HTTP ${r.status}): ${r.text.slice(0, 2000)}`);
  return { result: r.json.data, schema: buildClientSchema(r.json.data) };
}
