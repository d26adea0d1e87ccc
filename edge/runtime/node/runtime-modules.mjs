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

import Module, { register } from "node:module";

import { explainMissing, runtimeModuleDirs } from "./runtime-modules-hooks.mjs";

const nodePath = runtimeModuleDirs(process.env.NODE_PATH);
const sdkDir = process.env.NEXTSTACK_EDGE_AWS_SDK || "";

register("./runtime-modules-hooks.mjs", import.meta.url, { data: { nodePath, sdkDir } });

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
