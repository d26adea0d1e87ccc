// Runs an OpenNext server function's Lambda handler on ALB events, as Lambda would: the bundle's index.mjs
// imported in a fresh Node process, LAMBDA_TASK_ROOT set to the bundle (as Lambda sets it to /var/task).
//
//   node alb_invoke.mjs BUNDLE_DIR EVENTS_JSON RESULTS_JSON
//
// EVENTS_JSON holds a list of events; RESULTS_JSON gets the handler's result for each, in order. Results go to
// a file, not stdout: the server logs there, and process.exit would cut a large write to a pipe short.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [bundle, eventsFile, resultsFile] = process.argv.slice(2);
if (!resultsFile) {
  console.error("usage: node alb_invoke.mjs BUNDLE_DIR EVENTS_JSON RESULTS_JSON");
  process.exit(2);
}
process.env.LAMBDA_TASK_ROOT = path.resolve(bundle);
process.chdir(process.env.LAMBDA_TASK_ROOT);
const { handler } = await import(pathToFileURL(path.join(process.env.LAMBDA_TASK_ROOT, "index.mjs")).href);
const context = { functionName: "alb-invoke", awsRequestId: "alb-invoke", getRemainingTimeInMillis: () => 30000 };
const results = [];
for (const event of JSON.parse(readFileSync(eventsFile, "utf8"))) {
  results.push(await handler(event, context));
}
writeFileSync(resultsFile, JSON.stringify(results));
process.exit(0);
