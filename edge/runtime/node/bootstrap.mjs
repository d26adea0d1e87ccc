// nextstack-edge's Lambda runtime for Node.js functions: a Lambda Runtime API client that loads a function's
// handler and runs it the way AWS's managed Node.js runtime (nodejs20.x / nodejs22.x) does.
//
//   node bootstrap.mjs     with _HANDLER, LAMBDA_TASK_ROOT and AWS_LAMBDA_RUNTIME_API set (see README.md)
//
// The protocol, as documented:
//   - "Using the Lambda runtime API for custom runtimes"
//     https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
//     GET  /2018-06-01/runtime/invocation/next            -> event body + Lambda-Runtime-* headers
//     POST /2018-06-01/runtime/invocation/{id}/response   <- the JSON result
//     POST /2018-06-01/runtime/invocation/{id}/error      <- error JSON + Lambda-Runtime-Function-Error-Type
//     POST /2018-06-01/runtime/init/error                 <- error JSON + Lambda-Runtime-Function-Error-Type
//   - "Implementing response streaming in a custom runtime"
//     https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html#runtimes-custom-response-streaming
//     the response POST carries Lambda-Runtime-Function-Response-Mode: streaming and Transfer-Encoding: chunked;
//     an error after the body started is reported in the trailers Lambda-Runtime-Function-Error-Type and
//     Lambda-Runtime-Function-Error-Body (base64 of the error JSON).
//   - "Response streaming for Lambda functions" and its Node.js pages
//     https://docs.aws.amazon.com/lambda/latest/dg/configuration-response-streaming.html
//     https://docs.aws.amazon.com/lambda/latest/dg/response-streaming-tutorial.html
//     https://aws.amazon.com/blogs/compute/introducing-aws-lambda-response-streaming/
//     awslambda.streamifyResponse(handler) -> handler(event, responseStream, context); responseStream.setContentType;
//     awslambda.HttpResponseStream.from(stream, {statusCode, headers, cookies}) -> content type
//     application/vnd.awslambda.http-integration-response: JSON prelude, 8 NUL bytes, then the body
//     (the delimiter is also described in https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode-lambda.html).
//   - Node.js handler, context and logging:
//     https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
//     https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html
//     https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
// What the documentation leaves open follows the managed runtime's client as AWS publishes it
// (github.com/aws/aws-lambda-nodejs-runtime-interface-client): the module lookup order, the error JSON
// `{errorType, errorMessage, trace}`, exit codes 129 (uncaught exception) and 128 (unhandled rejection), the
// callbackWaitsForEmptyEventLoop semantics, the text log line `TIME\tREQUEST_ID\tLEVEL\tMESSAGE`.
//
// Differences from the managed runtime, on purpose: log lines go to stderr (stdout is kept unused: anything written
// to process.stdout is sent to stderr too); HttpResponseStream.from's prelude is also written when the handler ends
// the stream without a write (the managed runtime drops it then, aws-lambda-nodejs-runtime-interface-client issue
// #97, which contradicts the documented behaviour); no X-Ray error cause header.

import "./aws-endpoint.mjs";
import { explainNotFound } from "./runtime-modules.mjs";

import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import util from "node:util";

const API_VERSION = "2018-06-01";
const ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type";
const ERROR_BODY_TRAILER = "Lambda-Runtime-Function-Error-Body";
const RESPONSE_MODE_HEADER = "Lambda-Runtime-Function-Response-Mode";
const HTTP_INTEGRATION_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
const STREAMING_DEFAULT_CONTENT_TYPE = "application/octet-stream";
const HANDLER_STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const HANDLER_HIGHWATERMARK = Symbol.for("aws.lambda.runtime.handler.streaming.highWaterMark");
const STREAM_RESPONSE = "response";
const REQUEST_ID = Symbol.for("aws.lambda.runtime.requestId");

// ------------------------------------------------------------------------------------------------ errors

class RuntimeError extends Error {}
const runtimeErrors = {};
for (const name of [
  "ImportModuleError",
  "HandlerNotFound",
  "MalformedHandlerName",
  "UserCodeSyntaxError",
  "MalformedStreamingHandler",
  "InvalidStreamingOperation",
  "UnhandledPromiseRejection",
  "NodeJsExit",
]) {
  const cls = { [name]: class extends RuntimeError {} }[name];
  cls.prototype.name = `Runtime.${name}`;
  runtimeErrors[name] = cls;
}

function isErrorLike(value) {
  return (
    util.types.isNativeError(value) ||
    (value !== null &&
      typeof value === "object" &&
      typeof value.name === "string" &&
      typeof value.message === "string" &&
      typeof value.stack === "string")
  );
}

/** The error document the runtime API receives (the managed Node.js runtime's shape). */
function errorDocument(error) {
  try {
    if (isErrorLike(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: String(error.stack).split("\n") };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: "handled",
      errorMessage:
        "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
    };
  }
}

// ------------------------------------------------------------------------------------------------ logging

// Text format (the default): TIMESTAMP \t REQUEST_ID \t LEVEL \t MESSAGE, one record per line, newlines inside a
// record written as \r (as the managed runtime does when it logs to stdout). AWS_LAMBDA_LOG_FORMAT=JSON gives one
// JSON object per line {timestamp, level, requestId, message, ...}. AWS_LAMBDA_LOG_LEVEL (TRACE..FATAL) drops the
// levels below it (Lambda sets it only with the JSON format, from the function's logging config).
const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const logJson = (process.env.AWS_LAMBDA_LOG_FORMAT ?? "").toUpperCase() === "JSON";
const minLevel = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL ?? "").toUpperCase()] ?? LEVELS.TRACE;
const writeStderr = process.stderr.write.bind(process.stderr);

function currentRequestId() {
  return globalThis[REQUEST_ID];
}

function jsonRecord(level, args) {
  const record = { timestamp: new Date().toISOString(), level, requestId: currentRequestId() };
  if (args.length === 1) {
    record.message = args[0];
    try {
      return JSON.stringify(record, (_key, value) =>
        value instanceof Error
          ? {
              errorType: value.constructor?.name ?? "UnknownError",
              errorMessage: value.message,
              stackTrace: typeof value.stack === "string" ? value.stack.split("\n") : value.stack,
              ...value,
            }
          : value,
      );
    } catch {
      record.message = util.format(args[0]);
      return JSON.stringify(record);
    }
  }
  record.message = util.format(...args);
  const error = args.find((arg) => arg instanceof Error);
  if (error) {
    record.errorType = error.constructor?.name ?? "UnknownError";
    record.errorMessage = error.message;
    record.stackTrace = typeof error.stack === "string" ? error.stack.split("\n") : [];
  }
  return JSON.stringify(record);
}

function log(level, args) {
  if (LEVELS[level] < minLevel) return;
  const line = logJson
    ? jsonRecord(level, args)
    : `${new Date().toISOString()}\t${currentRequestId()}\t${level}\t${util.format(...args)}`;
  writeStderr(`${line.replace(/\n/g, "\r")}\n`);
}

function patchConsole() {
  console.trace = (...args) => log("TRACE", args);
  console.debug = (...args) => log("DEBUG", args);
  console.info = (...args) => log("INFO", args);
  console.log = console.info;
  console.warn = (...args) => log("WARN", args);
  console.error = (...args) => log("ERROR", args);
  console.fatal = (...args) => log("FATAL", args);
  // stdout stays unused: whatever the function writes there directly goes to stderr.
  process.stdout.write = (chunk, encoding, callback) => process.stderr.write(chunk, encoding, callback);
}

/** "Invoke Error", "Uncaught Exception", ... with the error as the managed runtime logs it. */
function logError(what, error) {
  explainNotFound(error);
  if (logJson) {
    console.error(error instanceof Error ? error : new Error(String(error)));
    return;
  }
  let formatted;
  try {
    const err = error instanceof Error ? error : new Error(String(error));
    formatted = JSON.stringify(err, (_key, value) => {
      if (!(value instanceof Error)) return value;
      const out = { errorType: value.name, errorMessage: value.message, code: value.code, ...value };
      if (typeof value.stack === "string") out.stack = value.stack.split("\n");
      return out;
    });
  } catch {
    formatted = JSON.stringify(errorDocument(error));
  }
  console.error(what, `\t${formatted}`);
}

// ------------------------------------------------------------------------------------------------ runtime API

function runtimeApi() {
  const address = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!address) throw new Error("AWS_LAMBDA_RUNTIME_API is not set (host:port of the Lambda Runtime API)");
  const colon = address.lastIndexOf(":");
  if (colon <= 0) throw new Error(`AWS_LAMBDA_RUNTIME_API must be host:port (got ${address})`);
  return { hostname: address.slice(0, colon).replace(/^\[(.*)\]$/, "$1"), port: Number(address.slice(colon + 1)) };
}

const api = runtimeApi();
// One connection per request (the managed runtime keeps one alive; a local server may close an idle connection
// just as it is reused). No idle socket is left to hold the event loop open, which callbackWaitsForEmptyEventLoop
// depends on. Keeping one alive saved 0.2 ms of CPU per invocation in a driver (bench/edge/README.md), but under the
// benchmark's load it failed a few requests in two thousand; not kept until that is understood.
const agent = new http.Agent({ keepAlive: false });

function invocationPath(id, what) {
  return `/${API_VERSION}/runtime/invocation/${encodeURIComponent(id)}/${what}`;
}

function apiRequest(method, urlPath, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname: api.hostname, port: api.port, method, path: urlPath, headers, agent },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function postJson(urlPath, document, extraHeaders = {}) {
  const body = Buffer.from(JSON.stringify(document === undefined ? null : document));
  return apiRequest(
    "POST",
    urlPath,
    { "Content-Type": "application/json", "Content-Length": body.length, ...extraHeaders },
    body,
  ).then((res) => {
    if (res.status < 200 || res.status > 299) {
      console.error(`LAMBDA_RUNTIME Failed to post to ${urlPath}. Http response code: ${res.status}.`);
    }
    return res;
  });
}

function postError(urlPath, error) {
  const document = errorDocument(error);
  return postJson(urlPath, document, { [ERROR_TYPE_HEADER]: document.errorType });
}

/** The runtime API is gone or refuses this instance (nextstack-edge stopped it): nothing more to do here. */
function apiUnreachable(err) {
  writeStderr(`nextstack-edge runtime: Lambda Runtime API at ${api.hostname}:${api.port}: ${err.message}\n`);
  process.exit(1);
}

async function nextInvocation() {
  let res;
  try {
    res = await apiRequest("GET", `/${API_VERSION}/runtime/invocation/next`);
  } catch (err) {
    apiUnreachable(err);
  }
  if (res.status !== 200) apiUnreachable(new Error(`GET invocation/next answered ${res.status}: ${res.body}`));
  return { headers: res.headers, body: res.body.toString("utf8") };
}

// ------------------------------------------------------------------------------------------------ handler loading

function hasTypeModule(folder) {
  // The nearest package.json decides; a node_modules folder or the root ends the search.
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if (dir.endsWith(`${path.sep}node_modules`)) return false;
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, "utf8"))?.type === "module";
      } catch (e) {
        console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
        return false;
      }
    }
    if (dir === path.dirname(dir)) return false;
  }
}

async function loadModule(appRoot, moduleRoot, moduleName) {
  const require = createRequire(import.meta.url);
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  const exists = (file) => fs.existsSync(file);
  const importFile = (file) => import(pathToFileURL(file).href);
  try {
    // The managed runtime's order: the name as given (CommonJS), `.js` as CommonJS unless the nearest package.json
    // says "type": "module", then `.js` as ESM, `.mjs` (ESM), `.cjs` (CommonJS), then Node's own resolution.
    if (exists(base)) return require(base);
    const typeModule = hasTypeModule(path.dirname(base));
    if (exists(`${base}.js`)) return typeModule ? await importFile(`${base}.js`) : require(`${base}.js`);
    if (exists(`${base}.mjs`)) return await importFile(`${base}.mjs`);
    if (exists(`${base}.cjs`)) return require(`${base}.cjs`);
    return require(require.resolve(moduleName, { paths: [appRoot, path.join(appRoot, moduleRoot)] }));
  } catch (e) {
    if (e instanceof SyntaxError) throw new runtimeErrors.UserCodeSyntaxError(String(e));
    if (e?.code === "MODULE_NOT_FOUND") throw new runtimeErrors.ImportModuleError(String(e));
    throw explainNotFound(e);
  }
}

function installAwsLambdaGlobal() {
  const off = ["1", "true"].includes(process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA ?? "");
  if (off) return;
  globalThis.awslambda = {
    streamifyResponse(handler, options) {
      handler[HANDLER_STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === "number") {
        handler[HANDLER_HIGHWATERMARK] = Number.parseInt(options.highWaterMark, 10);
      }
      return handler;
    },
    HttpResponseStream,
  };
}

async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes("..")) {
    throw new runtimeErrors.MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  // "dir/sub/module.nested.fn": module root "dir/sub/", module "module", property path "nested.fn".
  const moduleAndHandler = path.basename(fullHandler);
  const moduleRoot = fullHandler.slice(0, fullHandler.length - moduleAndHandler.length);
  const match = /^([^.]*)\.(.*)$/.exec(moduleAndHandler);
  if (!match) throw new runtimeErrors.MalformedHandlerName("Bad handler");
  const [, moduleName, handlerPath] = match;

  installAwsLambdaGlobal();
  const userModule = await loadModule(appRoot, moduleRoot, moduleName);
  const handler = handlerPath.split(".").reduce((object, key) => object?.[key], userModule);
  if (!handler) throw new runtimeErrors.HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof handler !== "function") throw new runtimeErrors.HandlerNotFound(`${fullHandler} is not a function`);
  return handler;
}

function handlerMetadata(handler) {
  const mode = handler[HANDLER_STREAMING];
  if (mode !== undefined && mode !== null && mode !== false && mode !== STREAM_RESPONSE) {
    throw new runtimeErrors.MalformedStreamingHandler("Only response streaming is supported.");
  }
  const hwm = Number.parseInt(handler[HANDLER_HIGHWATERMARK], 10);
  return {
    streaming: mode === STREAM_RESPONSE,
    highWaterMark: Number.isNaN(hwm) ? undefined : hwm,
    isAsync: handler.constructor?.name === "AsyncFunction",
  };
}

// ------------------------------------------------------------------------------------------------ streaming

/**
 * awslambda.HttpResponseStream: the application/vnd.awslambda.http-integration-response framing a function URL
 * reads: the JSON metadata prelude ({statusCode, headers, cookies}), 8 NUL bytes, then the body.
 */
class HttpResponseStream {
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
    const metadata = JSON.stringify(prelude); // JSON has no NUL byte: the delimiter cannot occur in it
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadata);
      write(new Uint8Array(8));
    };
    return underlyingStream;
  }
}

const failStream = new WeakMap();

/**
 * The response stream a streaming handler writes to: the chunked POST .../response itself. Headers leave with the
 * first write (so setContentType works until then); every write is sent as it is made.
 */
function createResponseStream(id) {
  let started = false;
  const req = http.request({
    hostname: api.hostname,
    port: api.port,
    method: "POST",
    path: invocationPath(id, "response"),
    agent,
    headers: {
      [RESPONSE_MODE_HEADER]: "streaming",
      "Transfer-Encoding": "chunked",
      "Content-Type": STREAMING_DEFAULT_CONTENT_TYPE,
      Trailer: `${ERROR_TYPE_HEADER}, ${ERROR_BODY_TRAILER}`,
    },
  });
  const done = new Promise((resolve, reject) => {
    req.on("response", (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on("aborted", () => reject(new Error("runtime API aborted the response")));
    });
    req.on("error", reject);
  });
  done.catch(() => {}); // observed by the invocation; never an unhandled rejection here

  const normalize = (chunk) =>
    typeof chunk === "string" || chunk instanceof Uint8Array || chunk === undefined || chunk === null
      ? chunk
      : JSON.stringify(chunk);
  const originalWrite = req.write.bind(req);
  const originalEnd = req.end.bind(req);
  const beforeFirstWrite = () => {
    if (started) return;
    started = true;
    if (typeof req._onBeforeFirstWrite === "function") req._onBeforeFirstWrite((chunk) => originalWrite(chunk));
  };
  req.setContentType = (contentType) => {
    if (started) throw new runtimeErrors.InvalidStreamingOperation("Cannot set content-type, too late.");
    req.setHeader("Content-Type", contentType);
  };
  req.write = (chunk, encoding, callback) => {
    beforeFirstWrite();
    return originalWrite(normalize(chunk), encoding, callback);
  };
  req.end = (chunk, encoding, callback) => {
    if (typeof chunk === "function") return req.end(undefined, undefined, chunk);
    if (typeof encoding === "function") return req.end(chunk, undefined, encoding);
    beforeFirstWrite();
    const data = normalize(chunk);
    if (data === undefined || data === null) originalEnd(callback);
    else originalEnd(data, encoding, callback);
    return stream;
  };

  // What the handler sees: the writable side only, as in the managed runtime.
  const stream = {};
  for (const method of [
    "cork",
    "uncork",
    "destroy",
    "end",
    "write",
    "setContentType",
    "addListener",
    "emit",
    "eventNames",
    "getMaxListeners",
    "listenerCount",
    "listeners",
    "off",
    "on",
    "once",
    "prependListener",
    "prependOnceListener",
    "rawListeners",
    "removeAllListeners",
    "removeListener",
    "setMaxListeners",
  ]) {
    stream[method] = req[method].bind(req);
  }
  for (const prop of ["destroyed", "_onBeforeFirstWrite"]) {
    Object.defineProperty(stream, prop, { get: () => req[prop], set: (value) => (req[prop] = value) });
  }
  for (const prop of [
    "writable",
    "writableFinished",
    "writableObjectMode",
    "writableEnded",
    "writableNeedDrain",
    "writableHighWaterMark",
    "writableCorked",
    "writableLength",
  ]) {
    Object.defineProperty(stream, prop, { get: () => req[prop] });
  }

  // Ends the POST with the error in its trailers (whatever the handler wrote stays sent).
  failStream.set(stream, async (error) => {
    if (req.destroyed) return;
    const document = errorDocument(error);
    if (!req.writableEnded) {
      req.addTrailers({
        [ERROR_TYPE_HEADER]: document.errorType,
        [ERROR_BODY_TRAILER]: Buffer.from(JSON.stringify(document)).toString("base64"),
      });
      await new Promise((resolve) => originalEnd(resolve));
    }
  });
  return { stream, done };
}

// ------------------------------------------------------------------------------------------------ the loop

// The managed runtime's "beforeExit" listener: runs when the event loop has nothing left to do, which is when a
// callback-style invocation completes while callbackWaitsForEmptyEventLoop is true.
let beforeExit = () => {};
const setBeforeExit = (listener) => (beforeExit = listener);
const resetBeforeExit = () => (beforeExit = () => {});

// Where an uncaught exception or unhandled rejection is reported: init/error until the first invocation, then the
// current invocation's /error; the process then exits (129, 128) as the managed runtime's does.
let reportFatal = (error, code) => {
  postError(`/${API_VERSION}/runtime/init/error`, error).then(
    () => process.exit(code),
    () => process.exit(code),
  );
};

function setInvocationFatal(id) {
  reportFatal = (error, code) => {
    postError(invocationPath(id, "error"), error).then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };
}

function parseJson(text, name) {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err}`);
  }
}

/** The context properties that come from the environment and the invocation's headers. */
function contextData(headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  return {
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseJson(headers["lambda-runtime-client-context"], "ClientContext"),
    identity: parseJson(headers["lambda-runtime-cognito-identity"], "CognitoIdentity"),
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    tenantId: headers["lambda-runtime-aws-tenant-id"],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

function startInvocation(headers) {
  const id = headers["lambda-runtime-aws-request-id"];
  if (!id) throw new Error("invocation/next answered without Lambda-Runtime-Aws-Request-Id");
  globalThis[REQUEST_ID] = id;
  const trace = headers["lambda-runtime-trace-id"];
  if (trace) process.env._X_AMZN_TRACE_ID = trace;
  else delete process.env._X_AMZN_TRACE_ID;
  setInvocationFatal(id);
  return id;
}

const isPromise = (value) => value !== null && typeof value === "object" && typeof value.then === "function";

class Runtime {
  constructor(handler, metadata) {
    this.handler = handler;
    this.metadata = metadata;
  }

  scheduleIteration() {
    setImmediate(() => {
      const once = this.metadata.streaming ? this.handleOnceStreaming() : this.handleOnceBuffered();
      once.catch((err) => {
        console.log(`Unexpected Top Level Error: ${err}`);
        reportFatal(err, 129);
      });
    });
  }

  async handleOnceBuffered() {
    const { headers, body } = await nextInvocation();
    const id = startInvocation(headers);
    const next = () => this.scheduleIteration();

    // succeed/fail/done and the callback: only the first call of any of them counts.
    let finished = false;
    let completed = false;
    let waitsForEmptyEventLoop = true;
    const post = (promise) => promise.then(next, apiUnreachable);
    const complete = (result) => {
      if (completed) {
        console.error(
          "Invocation has already been reported as done. Cannot call complete more than once per invocation.",
        );
        return;
      }
      completed = true;
      let document;
      try {
        document = JSON.stringify(result === undefined ? null : result);
      } catch {
        post(postError(invocationPath(id, "error"), new Error("Unable to stringify response body")));
        return;
      }
      post(
        apiRequest(
          "POST",
          invocationPath(id, "response"),
          { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(document) },
          document,
        ).then((res) => {
          if (res.status < 200 || res.status > 299) {
            console.error(`LAMBDA_RUNTIME Failed to post handler success response. Http response code: ${res.status}.`);
          }
        }),
      );
    };
    const fail = (err) => {
      logError("Invoke Error", err);
      post(postError(invocationPath(id, "error"), err));
    };
    const once =
      (fn) =>
      (...args) => {
        if (finished) return;
        finished = true;
        fn(...args);
      };
    const done = (err, result) => {
      resetBeforeExit();
      if (err !== undefined && err !== null) fail(err);
      else complete(result);
    };
    const callback = (err, result) => {
      resetBeforeExit();
      if (err !== undefined && err !== null) fail(err);
      else if (!waitsForEmptyEventLoop) complete(result);
      else setBeforeExit(() => setImmediate(() => complete(result)));
    };
    const context = {
      get callbackWaitsForEmptyEventLoop() {
        return waitsForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitsForEmptyEventLoop = value;
      },
      succeed: once((result) => done(null, result)),
      fail: once((err) => done(err === undefined || err === null ? "handled" : err, null)),
      done: once(done),
    };
    const onlyFirstCallback = once(callback);

    // Nothing called back and the event loop ran dry: an async handler whose promise never settled fails; any other
    // handler succeeds with null.
    setBeforeExit(() => {
      resetBeforeExit();
      finished = true;
      if (this.metadata.isAsync) {
        const error = new runtimeErrors.NodeJsExit(
          "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled.",
        );
        logError("Invoke Error", error);
        post(postError(invocationPath(id, "error"), error));
      } else {
        completed = true;
        post(postJson(invocationPath(id, "response"), null));
      }
    });

    try {
      const result = this.handler(JSON.parse(body), Object.assign(context, contextData(headers)), onlyFirstCallback);
      if (isPromise(result)) result.then(context.succeed, context.fail).catch(context.fail);
    } catch (err) {
      onlyFirstCallback(err);
    }
  }

  async handleOnceStreaming() {
    const { headers, body } = await nextInvocation();
    const id = startInvocation(headers);

    let waitsForEmptyEventLoop = true;
    const context = {
      get callbackWaitsForEmptyEventLoop() {
        return waitsForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitsForEmptyEventLoop = value;
      },
    };
    const next = () => {
      resetBeforeExit();
      if (!waitsForEmptyEventLoop) this.scheduleIteration();
      else setBeforeExit(() => setImmediate(() => this.scheduleIteration()));
    };
    const { stream, done } = createResponseStream(id);
    const fail = async (err) => {
      logError("Invoke Error", err);
      await failStream.get(stream)(err);
    };
    setBeforeExit(() => {
      resetBeforeExit();
      this.scheduleIteration();
    });

    try {
      const result = this.handler(JSON.parse(body), stream, Object.assign(context, contextData(headers)));
      if (!isPromise(result)) {
        await fail(new Error("Streaming does not support non-async handlers."));
        next();
        return;
      }
      if ((await result) !== undefined) console.warn("Streaming handlers ignore return values.");
      // As in Lambda, the invocation lasts until the stream is ended (or the function times out).
      const res = await done;
      if (res.status < 200 || res.status > 299) {
        console.error(`LAMBDA_RUNTIME Failed to post streamed response. Http response code: ${res.status}.`);
      }
      if (!stream.writableFinished) await fail(new Error("Response stream is not finished."));
    } catch (err) {
      await fail(err);
    }
    next();
  }
}

// ------------------------------------------------------------------------------------------------ init

async function main() {
  patchConsole();
  process.on("uncaughtException", (error) => {
    logError("Uncaught Exception", error);
    reportFatal(error, 129);
  });
  process.on("unhandledRejection", (reason, promise) => {
    const error = new runtimeErrors.UnhandledPromiseRejection(String(reason));
    error.reason = reason;
    error.promise = promise;
    logError("Unhandled Promise Rejection", error);
    reportFatal(error, 128);
  });
  process.on("beforeExit", () => beforeExit());

  const appRoot = path.resolve(process.env.LAMBDA_TASK_ROOT || process.cwd());
  const fullHandler = process.env._HANDLER;
  let handler;
  let metadata;
  try {
    if (!fullHandler) throw new runtimeErrors.MalformedHandlerName("_HANDLER is not set");
    process.chdir(appRoot);
    handler = await loadHandler(appRoot, fullHandler);
    metadata = handlerMetadata(handler);
  } catch (error) {
    logError("Uncaught Exception", error);
    try {
      await postError(`/${API_VERSION}/runtime/init/error`, error);
    } catch (err) {
      apiUnreachable(err);
    }
    process.exit(129);
  }
  new Runtime(handler, metadata).scheduleIteration();
}

await main();
