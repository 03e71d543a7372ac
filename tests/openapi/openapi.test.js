#!/usr/bin/env node
/* docs/openapi.yaml against the route table: every route of server/routes.c (method and
 * path) has its operation, every operation is a route, x-kedb-roles names the route's roles
 * (its KB_ROLE_* mask with the #defines resolved), and the document is valid OpenAPI 3.1
 * (@seriousme/openapi-schema-validator, pinned in package-lock.json; make test installs it).
 * That the server answers the file at GET /api/v1/openapi.yaml is checked by the API tests
 * (tests/api/test_auth.py). Prints "test_openapi: N passed, N failed". */
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');
const { Validator } = require('@seriousme/openapi-schema-validator');

const ROOT = path.resolve(__dirname, '..', '..');
const ROLE_NAMES = ['agent', 'engineer', 'approver', 'auditor', 'admin']; /* bit 0 .. 4 */
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
let passed = 0;
let failed = 0;

function check(name, problems) {
  if (problems.length === 0) {
    passed++;
    console.log(`ok   ${name}`);
    return;
  }
  failed++;
  console.log(`FAIL ${name}`);
  for (const p of problems)
    console.log(`     ${p}`);
}

function read(rel) {
  return fs.readFileSync(path.join(ROOT, rel), 'utf8');
}

/* The object-like #defines of the files (NAME -> its text, comments dropped). */
function defines(texts) {
  const out = new Map();
  for (const text of texts) {
    const joined = text.replace(/\\\n/g, ' ');
    for (const m of joined.matchAll(/^#define\s+(\w+)\s+(.*)$/gm))
      out.set(m[1], m[2].replace(/\/\*.*?\*\//g, '').replace(/\/\*.*$/, '').trim());
  }
  return out;
}

/* A role mask expression (KB_ROLE_* | MACRO | 0) as its number. */
function roleMask(expr, defs, depth = 0) {
  if (depth > 10)
    throw new Error(`role expression '${expr}' does not resolve`);
  let mask = 0;
  for (let term of expr.split('|')) {
    term = term.replace(/[()\s]/g, '');
    if (/^\d+u?$/.test(term)) {
      mask |= parseInt(term, 10);
    } else if (defs.has(term)) {
      mask |= roleMask(defs.get(term), defs, depth + 1);
    } else {
      throw new Error(`unknown role name '${term}' in '${expr}'`);
    }
  }
  return mask;
}

function maskRoles(mask) {
  if (mask === 0)
    return ['open'];
  return ROLE_NAMES.filter((_, i) => mask & (1 << i));
}

/* The rows of server/routes.c's table with a handler: {method, pattern, path, roles}. */
function routeTable() {
  const src = read('server/routes.c');
  const start = src.indexOf('routes[] = {');
  if (start < 0)
    throw new Error("server/routes.c: no 'routes[] = {' table");
  const table = src.slice(start, src.indexOf('\n};', start)).replace(/\/\*[\s\S]*?\*\//g, '');
  const defs = defines([read('include/kb_user.h'), read('server/srv.h'), src]);
  const rows = [];
  for (const m of table.matchAll(/\{\s*("(\w+)"|NULL)\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*([^}]+?)\s*\}/g)) {
    if (m[1] === 'NULL')
      continue; /* a reserved pattern (404 whatever the method), not an operation */
    const pattern = m[3];
    rows.push({
      method: m[2],
      pattern,
      path: pattern.replace(/[:*](\w+)/g, '{$1}'),
      roles: maskRoles(roleMask(m[5], defs)),
      rolesExpr: m[5],
    });
  }
  return rows;
}

function main() {
  const text = read('docs/openapi.yaml');
  let doc;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    check('docs/openapi.yaml parses as YAML', [String(e.message || e)]);
    return Promise.resolve();
  }
  const routes = routeTable();
  check('server/routes.c has a route table', routes.length > 50 ? []
    : [`only ${routes.length} routes found in server/routes.c: has the table's row format changed?`]);

  const ops = new Map(); /* "METHOD /path" -> operation */
  for (const [p, item] of Object.entries(doc.paths || {}))
    for (const m of METHODS)
      if (item && item[m])
        ops.set(`${m.toUpperCase()} ${p}`, item[m]);

  const missing = [];
  const roleProblems = [];
  for (const r of routes) {
    const op = ops.get(`${r.method} ${r.path}`);
    if (!op) {
      missing.push(`route ${r.method} ${r.path} is not in docs/openapi.yaml: describe it there ` +
                   `(server/routes.c has ${r.method} ${r.pattern})`);
      continue;
    }
    const got = op['x-kedb-roles'];
    const want = r.roles;
    if (!Array.isArray(got) || [...got].sort().join(',') !== [...want].sort().join(','))
      roleProblems.push(`${r.method} ${r.path}: x-kedb-roles is ${JSON.stringify(got)}, ` +
                        `server/routes.c says ${r.rolesExpr} = ${JSON.stringify(want)}`);
  }
  check('every route of server/routes.c is in docs/openapi.yaml', missing);
  check("every operation's x-kedb-roles matches its route's roles", roleProblems);

  const known = new Set(routes.map(r => `${r.method} ${r.path}`));
  const stale = [...ops.keys()].filter(k => !known.has(k)).map(k =>
    `operation ${k} in docs/openapi.yaml is not a route of server/routes.c: remove it or fix its path`);
  check('every operation in docs/openapi.yaml is a route', stale);

  const shape = [];
  for (const [k, op] of ops) {
    if (!op.summary)
      shape.push(`${k}: no summary`);
    if (!Array.isArray(op.tags) || op.tags.length === 0)
      shape.push(`${k}: no tags`);
    if (!op.responses || !Object.keys(op.responses).some(s => /^2\d\d$/.test(s)))
      shape.push(`${k}: no success answer`);
    const open = Array.isArray(op['x-kedb-roles']) && op['x-kedb-roles'].includes('open');
    if (!open && !(op.responses && op.responses['401'] && op.responses['403']))
      shape.push(`${k}: a route that needs a session answers 401 and 403: list them`);
    for (const name of (k.match(/\{(\w+)\}/g) || []).map(s => s.slice(1, -1)))
      if (!(op.parameters || []).some(p => p.in === 'path' && p.name === name))
        shape.push(`${k}: path parameter '${name}' is not described`);
  }
  check('every operation has a summary, tags, its answers and its path parameters', shape);

  const validator = new Validator();
  return validator.validate(text).then(res => {
    const problems = res.valid ? [] : (res.errors || []).slice(0, 20).map(e =>
      `${e.instancePath || '/'}: ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
    if (!res.valid && validator.version !== '3.1')
      problems.unshift(`validated as OpenAPI ${validator.version}, not 3.1`);
    check('docs/openapi.yaml is valid OpenAPI 3.1', problems);
  });
}

main().catch(e => {
  failed++;
  console.log(`FAIL ${e.stack || e}`);
}).finally(() => {
  console.log(`test_openapi: ${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
});
