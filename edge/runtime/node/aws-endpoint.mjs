// Sends a function's AWS API calls to a local emulator instead of AWS.
//
// Why this exists: nextstack-edge runs deployed Lambda code on this machine against the endpoint Terraform applied
// to (moto in the tests). Code that uses the AWS SDK v3 honours AWS_ENDPOINT_URL, but not everything does: OpenNext's
// "lite" overrides (incrementalCache s3-lite, tagCache dynamodb-lite, queue sqs-lite, imageLoader s3-lite) sign
// requests with aws4fetch and send them to URLs they build themselves (`https://BUCKET.s3.REGION.amazonaws.com/KEY`,
// `https://dynamodb.REGION.amazonaws.com`, `https://sqs.REGION.amazonaws.com`) through globalThis.fetch; and any
// code may call http/https.request on an AWS host directly. Without this module those requests would leave the
// machine for the real AWS (and fail, or worse, succeed).
//
// What it does, only when NEXTSTACK_AWS_ENDPOINT is set (e.g. http://127.0.0.1:5000):
//   - sets process.env.AWS_ENDPOINT_URL to it, for AWS SDK v3 clients (OpenNext's default s3/dynamodb/sqs
//     overrides, the warmer's Lambda client, the image optimizer's S3 client). Use an IP literal for the
//     endpoint: the SDK then addresses S3 path-style;
//   - wraps globalThis.fetch (undici) and http/https.request/get so that a request to an AWS host
//     (*.amazonaws.com, *.amazonaws.com.cn, *.api.aws) goes to the endpoint instead, with the same method, headers,
//     body and query; Host becomes the endpoint's host; an S3 virtual-hosted request (BUCKET.s3.REGION.amazonaws.com/KEY,
//     BUCKET.s3.amazonaws.com/KEY, BUCKET.s3-REGION.amazonaws.com/KEY) is rewritten to path style (ENDPOINT/BUCKET/KEY).
//     A SigV4 signature made for the AWS host no longer matches; moto does not check signatures.
//   - when NEXTSTACK_LAMBDA_ENDPOINT is also set (nextstack-edge's control API, `serve --control`), sends Lambda
//     Invoke requests (`POST /2015-03-31/functions/NAME/invocations`, to a Lambda host or to the endpoint itself, as
//     an SDK client with AWS_ENDPOINT_URL makes them) there instead: the edge runs the invoked function in its own
//     warm environments (OpenNext's warmer invoking the server function), where the emulator would not run it.
//
// Load it before the function's code: bootstrap.mjs imports it first; any other Node process can use
// `node --import /path/to/aws-endpoint.mjs app.js`. It has no other effect and no dependencies.

import http from "node:http";
import https from "node:https";
import { syncBuiltinESMExports } from "node:module";
import { urlToHttpOptions } from "node:url";

const AWS_HOST = /(^|\.)(amazonaws\.com(\.cn)?|api\.aws)$/i;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;
// The label that names S3 in a virtual-hosted address: `s3`, or a legacy/variant `s3-REGION`, `s3-external-1`,
// `s3-accelerate`, `s3-fips`. Everything before it is the bucket (bucket names may contain dots).
const S3_LABEL = /^s3(-[a-z0-9-]+)?$/i;

// Lambda API Reference, "Invoke": POST /2015-03-31/functions/{FunctionName}/invocations.
const INVOKE_PATH = /^\/2015-03-31\/functions\/[^/]+\/invocations$/;
const LAMBDA_HOST = /^lambda(-fips)?\.[a-z0-9-]+\.(amazonaws\.com(\.cn)?|api\.aws)$/i;

/** The URL a request for `url` should go to, or null when it is not an AWS request. Exported for tests. */
export function rewriteAwsUrl(url, endpoint, lambdaEndpoint = null) {
  const host = url.hostname.toLowerCase();
  if (lambdaEndpoint && INVOKE_PATH.test(url.pathname) && (LAMBDA_HOST.test(host) || url.host === endpoint.host)) {
    return new URL(`${lambdaEndpoint.protocol}//${lambdaEndpoint.host}${url.pathname}${url.search}`);
  }
  if (url.protocol === "https:" && LOOPBACK.test(host)) {
    // Nothing on loopback speaks TLS here: nextstack-edge's listener stands for CloudFront's HTTPS side, so a
    // function that calls its own site (OpenNext's revalidation function asks https://HOST/PATH with
    // x-prerender-revalidate) reaches the edge over plain HTTP at the same host and port.
    return new URL(`http://${url.host}${url.pathname}${url.search}`);
  }
  if (!AWS_HOST.test(host)) return null;
  let path = url.pathname || "/";
  const labels = host.split(".");
  const s3 = labels.findIndex((label) => S3_LABEL.test(label));
  if (s3 > 0) {
    const bucket = labels.slice(0, s3).join(".");
    path = `/${bucket}${path === "/" ? "" : path}`;
  }
  const base = endpoint.pathname.replace(/\/+$/, "");
  return new URL(`${endpoint.protocol}//${endpoint.host}${base}${path}${url.search}`);
}

function install(raw, rawLambda) {
  let endpoint;
  try {
    endpoint = new URL(raw);
  } catch {
    throw new Error(`NEXTSTACK_AWS_ENDPOINT is not a URL: ${JSON.stringify(raw)}`);
  }
  let lambdaEndpoint = null;
  if (rawLambda) {
    try {
      lambdaEndpoint = new URL(rawLambda);
    } catch {
      throw new Error(`NEXTSTACK_LAMBDA_ENDPOINT is not a URL: ${JSON.stringify(rawLambda)}`);
    }
  }
  if (endpoint.protocol !== "http:" && endpoint.protocol !== "https:") {
    throw new Error(`NEXTSTACK_AWS_ENDPOINT must be http:// or https:// (got ${raw})`);
  }
  process.env.AWS_ENDPOINT_URL = raw.replace(/\/+$/, "");

  const rewrite = (url) => rewriteAwsUrl(url, endpoint, lambdaEndpoint);
  patchFetch(rewrite);
  const original = { "http:": http.request.bind(http), "https:": https.request.bind(https) };
  const agents = {
    "http:": new http.Agent({ keepAlive: true }),
    "https:": new https.Agent({ keepAlive: true }),
  };
  patchHttp(http, "http:", rewrite, original, agents);
  patchHttp(https, "https:", rewrite, original, agents);
  // `import { request } from "node:https"` (as OpenNext's bundles do) sees the patched functions only after this.
  syncBuiltinESMExports();
}

function patchFetch(rewrite) {
  const originalFetch = globalThis.fetch;
  if (typeof originalFetch !== "function") return;
  globalThis.fetch = function fetch(input, init) {
    let url;
    try {
      url = new URL(input instanceof Request ? input.url : String(input));
    } catch {
      return originalFetch(input, init);
    }
    const target = rewrite(url);
    if (!target) return originalFetch(input, init);
    // Request(input, init) is what fetch itself builds; the copy to the new URL keeps method, headers, body
    // (a stream, hence duplex), redirect mode and signal. Host is derived from the new URL.
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    headers.delete("host");
    return originalFetch(
      new Request(target, {
        method: request.method,
        headers,
        body: request.body,
        duplex: "half",
        redirect: request.redirect,
        signal: request.signal,
      }),
    );
  };
}

// http.request(options[, callback]) / http.request(url[, options][, callback]) -> the same call at the endpoint,
// or null when the request is not for AWS.
function redirectHttp(args, defaultProtocol, rewrite, original, agents) {
  let i = 0;
  let url;
  if (typeof args[0] === "string" || args[0] instanceof URL) {
    url = new URL(args[0]);
    i = 1;
  }
  let options;
  if (args[i] !== null && typeof args[i] === "object") {
    options = args[i];
    i += 1;
  }
  const callback = typeof args[i] === "function" ? args[i] : undefined;

  const opts = { ...(url ? urlToHttpOptions(url) : {}), ...(options ?? {}) };
  const protocol = opts.protocol || defaultProtocol;
  let hostname = opts.hostname || (typeof opts.host === "string" ? opts.host.replace(/:\d+$/, "") : "localhost");
  if (hostname.includes(":") && !hostname.startsWith("[")) hostname = `[${hostname}]`;
  const port = opts.port || opts.defaultPort || (protocol === "https:" ? 443 : 80);
  let source;
  try {
    source = new URL(`${protocol}//${hostname}:${port}${opts.path || "/"}`);
  } catch {
    return null;
  }
  const target = rewrite(source);
  if (!target) return null;

  const out = { ...opts };
  delete out.host;
  delete out.createConnection;
  delete out.servername;
  out.protocol = target.protocol;
  out.hostname = target.hostname.replace(/^\[(.*)\]$/, "$1");
  out.port = target.port || (target.protocol === "https:" ? 443 : 80);
  out.path = target.pathname + target.search;
  out.headers = withHost(opts.headers, target.host);
  if (target.protocol !== protocol || out.agent === undefined) out.agent = agents[target.protocol];
  const request = original[target.protocol];
  return callback ? request(out, callback) : request(out);
}

function withHost(headers, host) {
  if (Array.isArray(headers)) {
    const out = [];
    for (let j = 0; j + 1 < headers.length; j += 2) {
      if (String(headers[j]).toLowerCase() !== "host") out.push(headers[j], headers[j + 1]);
    }
    out.push("Host", host);
    return out;
  }
  const out = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== "host") out[name] = value;
  }
  out.Host = host;
  return out;
}

function patchHttp(mod, protocol, rewrite, original, agents) {
  const request = mod.request;
  mod.request = function request_(...args) {
    return redirectHttp(args, protocol, rewrite, original, agents) ?? request.apply(mod, args);
  };
  // http.get calls the module's internal request, not the export: wrap it too.
  mod.get = function get(...args) {
    const req = mod.request(...args);
    req.end();
    return req;
  };
}

if (process.env.NEXTSTACK_AWS_ENDPOINT) install(process.env.NEXTSTACK_AWS_ENDPOINT, process.env.NEXTSTACK_LAMBDA_ENDPOINT);
