// The packages Lambda's Node.js runtime itself supplies (the AWS SDK for JavaScript v3), reachable from a function's
// code the way Lambda makes /var/runtime/node_modules reachable. Imported by bootstrap.mjs before the handler.
//
//   - "Defined runtime environment variables" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html):
//     Lambda's Node.js runtimes set NODE_PATH to the layers' and the runtime's module directories
//     (/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task);
//     CommonJS `require` searches them after the function's own node_modules (Node.js's NODE_PATH rule), and a
//     function may set NODE_PATH itself. nextstack-edge sets NODE_PATH to the SDK directory it installs (README.md).
//   - "Node.js 18.x runtime now available in AWS Lambda"
//     (https://aws.amazon.com/blogs/compute/node-js-18-x-runtime-now-available-in-aws-lambda/): from nodejs18.x on,
//     the runtime also resolves ES module `import`s of bare package names through NODE_PATH, so an ES module function
//     can import the runtime's SDK and layers' packages. Node.js itself ignores NODE_PATH for `import`, hence the
//     resolve hook below (runtime-modules-hooks.mjs): the function's own packages first, then each NODE_PATH entry.
//   - "Building Lambda functions with Node.js", "Runtime-included SDK versions"
//     (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-sdk-included): nodejs18.x and later
//     include the AWS SDK for JavaScript v3.
//
// A package the runtime would supply that is not installed here fails the import with the usual not-found error,
// its message saying which package and how to install it (never a silent fallback).
//
// The hooks cost on every resolution, not only on the bare imports they are for: node:module's register runs them
// on a thread of their own, so each `import()` (OpenNext's server function makes three per request, of modules long
// loaded) is a round trip to it, 1.5 ms of CPU per request measured (bench/edge/README.md). So they are registered
// only when a NODE_PATH directory is not already reached by Node's own lookup, which walks up from the importing
// file through every parent's node_modules: nextstack-edge links the node_modules of its code cache, the parent of
// every function's code directory, to the SDK it sets NODE_PATH to (edge/src/lambda/pool.rs), so there ES modules
// find the SDK after the function's own packages, as through NODE_PATH, at no cost. A directory that does not exist
// holds nothing to find. Without the hooks, a missing `@aws-sdk/*` package's error gets its explanation from
// explainNotFound (bootstrap.mjs calls it on the errors it reports).

import fs from "node:fs";
import Module, { register } from "node:module";
import path from "node:path";

import { explainMissing, runtimeModuleDirs } from "./runtime-modules-hooks.mjs";

const nodePath = runtimeModuleDirs(process.env.NODE_PATH);
const sdkDir = process.env.NEXTSTACK_EDGE_AWS_SDK || "";

const realpath = (file) => {
  try {
    return fs.realpathSync(file);
  } catch {
    return null;
  }
};

/** NODE_PATH directories that exist and are not the node_modules of the task root or of one of its parents. */
export function unreachedModuleDirs(dirs, taskRoot) {
  const reached = new Set();
  const root = realpath(taskRoot);
  for (let dir = root; dir; dir = path.dirname(dir) === dir ? null : path.dirname(dir)) {
    const found = realpath(path.join(dir, "node_modules"));
    if (found) reached.add(found);
  }
  return dirs.filter((dir) => {
    const real = realpath(dir);
    return real !== null && !reached.has(real);
  });
}

const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
if (unreachedModuleDirs(nodePath, taskRoot).length > 0) {
  register("./runtime-modules-hooks.mjs", import.meta.url, { data: { nodePath, sdkDir } });
}

/**
 * The error with the explanation of a missing `@aws-sdk/*` package added to its message when the hooks did not add
 * it (an ES module's `Cannot find package 'NAME' imported from ...`).
 */
export function explainNotFound(error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || typeof error.message !== "string") return error;
  const name = /Cannot find package '([^']+)'/.exec(error.message)?.[1];
  const why = name ? explainMissing(name, sdkDir) : "";
  if (why && !error.message.includes(why)) error.message = `${error.message}\n${why}`;
  return error;
}

// CommonJS already searches NODE_PATH; only its not-found message gains the explanation.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  try {
    return resolveFilename.call(this, request, parent, ...rest);
  } catch (e) {
    if (e?.code === "MODULE_NOT_FOUND") {
      const why = explainMissing(request, sdkDir);
      if (why) e.message = `${e.message}\n${why}`;
    }
    throw e;
  }
};
