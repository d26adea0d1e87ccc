// Runs CloudFront Functions for nextstack-edge: one long-lived Node process, one JSON line per call on stdin
// ({id, name, etag, runtime, code, event}), one JSON line per answer on stdout ({id, result} or {id, error}).
//
// Each function's code is compiled once per ETag into its own V8 context, so functions cannot see each other
// or this worker. cloudfront-js-1.0 handlers are synchronous; cloudfront-js-2.0 handlers may return a
// promise (CloudFront Developer Guide, "JavaScript runtime 2.0 features for CloudFront Functions").
// console.log goes to stderr, where the edge shows it beside the function's name.
import { createInterface } from "node:readline";
import vm from "node:vm";

const compiled = new Map(); // name -> { etag, handler }

function compile(name, etag, code) {
  const cached = compiled.get(name);
  if (cached && cached.etag === etag) return cached.handler;
  const log = (...args) => process.stderr.write(`[cloudfront-function ${name}] ${args.map(String).join(" ")}\n`);
  const context = vm.createContext({ console: { log, info: log, warn: log, error: log } });
  new vm.Script(code, { filename: `${name}.js` }).runInContext(context, { timeout: 1000 });
  const handler = context.handler;
  if (typeof handler !== "function") throw new Error(`the code of ${name} defines no function named handler`);
  compiled.set(name, { etag, handler });
  return handler;
}

const lines = createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  let id = null;
  try {
    const call = JSON.parse(line);
    id = call.id;
    const handler = compile(call.name, call.etag, call.code);
    const result = await handler(call.event);
    process.stdout.write(JSON.stringify({ id, result: result === undefined ? null : result }) + "\n");
  } catch (err) {
    process.stdout.write(JSON.stringify({ id, error: String(err && err.stack ? err.stack : err) }) + "\n");
  }
});
