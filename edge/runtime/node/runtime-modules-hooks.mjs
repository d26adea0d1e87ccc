// Module resolution hooks (node:module register) giving ES modules what NODE_PATH gives CommonJS in Lambda's Node.js
// runtimes; see runtime-modules.mjs for the documentation followed. Also loaded on the main thread for its helpers.

import fs from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

let nodePath = [];
let sdkDir = "";

export function initialize(data) {
  nodePath = data?.nodePath ?? [];
  sdkDir = data?.sdkDir ?? "";
}

/** The absolute directories of a NODE_PATH value, in order. */
export function runtimeModuleDirs(value) {
  return (value || "")
    .split(path.delimiter)
    .filter((d) => d && path.isAbsolute(d));
}

function isBare(specifier) {
  return !/^(\.{0,2}\/|[a-z][a-z0-9+.-]*:)/i.test(specifier) && !isBuiltin(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (e) {
    if (e?.code !== "ERR_MODULE_NOT_FOUND" || !isBare(specifier)) throw e;
    for (const dir of nodePath) {
      // Resolving as if imported from a file inside DIR finds DIR/<package> (DIR is a node_modules directory).
      const parentURL = pathToFileURL(path.join(dir, "noop.js")).href;
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch (again) {
        if (again?.code !== "ERR_MODULE_NOT_FOUND") throw again;
      }
    }
    const why = explainMissing(specifier, sdkDir);
    if (why) e.message = `${e.message}\n${why}`;
    throw e;
  }
}

/** The package name of a bare specifier (`@scope/name` or `name`). */
function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/**
 * Why an AWS SDK v3 package (`@aws-sdk/*`) a function imports is missing, and how to get it; "" for other packages.
 * Either the SDK directory was never installed, or the package is not among those the edge provides.
 */
export function explainMissing(specifier, dir) {
  const name = packageName(specifier);
  if (!name.startsWith("@aws-sdk/")) return "";
  if (!dir) {
    return `nextstack-edge: ${name} is part of the AWS SDK for JavaScript v3 that Lambda's Node.js runtimes include; no SDK directory is configured (NEXTSTACK_EDGE_AWS_SDK)`;
  }
  let provided;
  try {
    provided = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).dependencies ?? {});
  } catch {
    provided = [];
  }
  if (!fs.existsSync(path.join(dir, "node_modules", ".package-lock.json"))) {
    return (
      `nextstack-edge: ${name} is part of the AWS SDK for JavaScript v3 that Lambda's Node.js runtimes include, ` +
      `and the edge's copy of it is not installed in ${dir}: run tests/toolchain.sh, or \`npm ci --prefix ${dir}\``
    );
  }
  if (!provided.includes(name)) {
    return (
      `nextstack-edge: ${name} is not among the AWS SDK packages the edge provides (${provided.join(", ")}): ` +
      `add it to edge/runtime/node/aws-sdk/package.json (then update its package-lock.json and run tests/toolchain.sh), ` +
      `or bundle it with the function`
    );
  }
  return "";
}
