// Runs CloudFront Functions for nextstack-edge: one long-lived Node process, one JSON line per call on stdin
// ({id, name, etag, runtime, code, event}), one JSON line per answer on stdout ({id, result} or {id, error}).
//
// Each function's code is compiled once per ETag into its own V8 context, so functions cannot see each other
// or this worker. As CloudFront runs them (CloudFront Developer Guide, "JavaScript runtime 1.0 features for
// CloudFront Functions" and "JavaScript runtime 2.0 features for CloudFront Functions"):
// - both runtimes run in strict mode ("Functions operate in strict mode by default"; it cannot be turned off);
// - cloudfront-js-1.0 supports neither the const and let statements nor async and await (2.0 supports all four),
//   so 1.0 code using them is refused with an error naming the function and the statement; 1.0 handlers are
//   synchronous, 2.0 handlers may return a promise;
// - require() gives the built-in modules: crypto and querystring in both runtimes, buffer in 2.0 (the cloudfront
//   module, KeyValueStore, is refused by the edge before it gets here); any other module is an error.
// console.log goes to stderr, where the edge shows it beside the function's name.
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import vm from "node:vm";

const nodeRequire = createRequire(import.meta.url);
const BUILT_IN_MODULES = {
  "cloudfront-js-1.0": ["crypto", "querystring"],
  "cloudfront-js-2.0": ["crypto", "querystring", "buffer"],
};

const compiled = new Map(); // name -> { etag, handler }

function compile(name, etag, runtime, code) {
  const cached = compiled.get(name);
  if (cached && cached.etag === etag) return cached.handler;
  const modules = BUILT_IN_MODULES[runtime];
  if (!modules) throw new Error(`${name}: runtime ${runtime} is not a CloudFront Functions runtime`);
  if (runtime === "cloudfront-js-1.0") {
    const found = unsupportedIn10(code);
    if (found) {
      throw new SyntaxError(
        `${name} (cloudfront-js-1.0) uses ${found.word} on line ${found.line}: ` +
          "JavaScript runtime 1.0 supports neither const and let nor async and await (cloudfront-js-2.0 does)",
      );
    }
  }
  const log = (...args) => process.stderr.write(`[cloudfront-function ${name}] ${args.map(String).join(" ")}\n`);
  const require = (module) => {
    if (!modules.includes(module)) throw new Error(`Cannot find module '${module}' (${runtime} has ${modules.join(", ")})`);
    return nodeRequire(`node:${module}`);
  };
  const context = vm.createContext({ console: { log, info: log, warn: log, error: log }, require });
  // On the code's first line, so that line numbers in errors stay the function's own.
  new vm.Script(`"use strict";${code}`, { filename: `${name}.js` }).runInContext(context, { timeout: 1000 });
  const handler = context.handler;
  if (typeof handler !== "function") throw new Error(`the code of ${name} defines no function named handler`);
  compiled.set(name, { etag, handler });
  return handler;
}

// The first const, let, async or await statement of the code ({word, line}), or null. Comments, strings, template
// literals' text and regular expression literals are blanked first, so a word inside them does not count.
function unsupportedIn10(code) {
  const bare = blankLiterals(code);
  const pattern = /\b(?:(const|let)\s*[A-Za-z_$[{]|(async)\s*(?:function\b|\(|[A-Za-z_$][\w$]*\s*=>)|(await)\b)/g;
  const match = pattern.exec(bare);
  if (!match) return null;
  return { word: match[1] || match[2] || match[3], line: bare.slice(0, match.index).split("\n").length };
}

// The code with the contents of comments, string and template literals and regular expressions replaced by
// spaces (newlines kept); `${...}` inside a template literal stays code.
function blankLiterals(code) {
  let out = "";
  let i = 0;
  const templates = []; // brace depth at each open `${`
  let depth = 0;
  const blank = (text) => text.replace(/[^\n]/g, " ");
  const lastSignificant = () => {
    const m = /[^\s]\s*$/.exec(out);
    return m ? m[0][0] : "";
  };
  while (i < code.length) {
    const c = code[i];
    const next = code[i + 1];
    if (c === "/" && next === "/") {
      const end = code.indexOf("\n", i);
      const stop = end < 0 ? code.length : end;
      out += blank(code.slice(i, stop));
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = code.indexOf("*/", i + 2);
      const stop = end < 0 ? code.length : end + 2;
      out += blank(code.slice(i, stop));
      i = stop;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < code.length && code[j] !== c && code[j] !== "\n") j += code[j] === "\\" ? 2 : 1;
      out += c + blank(code.slice(i + 1, j)) + c;
      i = j + 1;
    } else if (c === "`" || (c === "}" && templates.length && templates[templates.length - 1] === depth)) {
      if (c === "}") templates.pop();
      let j = i + 1;
      while (j < code.length && code[j] !== "`" && !(code[j] === "$" && code[j + 1] === "{")) {
        j += code[j] === "\\" ? 2 : 1;
      }
      out += c + blank(code.slice(i + 1, j));
      if (code[j] === "$") {
        templates.push(depth);
        out += "${";
        i = j + 2;
      } else {
        out += "`";
        i = j + 1;
      }
    } else if (c === "/" && (lastSignificant() === "" || "(,=:[!&|?{};+-*%<>~^".includes(lastSignificant()))) {
      // A regular expression literal: where a division could not be.
      let j = i + 1;
      let inClass = false;
      while (j < code.length && code[j] !== "\n" && (inClass || code[j] !== "/")) {
        if (code[j] === "\\") j += 1;
        else if (code[j] === "[") inClass = true;
        else if (code[j] === "]") inClass = false;
        j += 1;
      }
      out += "/" + blank(code.slice(i + 1, j)) + "/";
      i = j + 1;
    } else {
      if (c === "{") depth += 1;
      if (c === "}") depth -= 1;
      out += c;
      i += 1;
    }
  }
  return out;
}

const lines = createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  let id = null;
  try {
    const call = JSON.parse(line);
    id = call.id;
    const handler = compile(call.name, call.etag, call.runtime, call.code);
    const result = await handler(call.event);
    process.stdout.write(JSON.stringify({ id, result: result === undefined ? null : result }) + "\n");
  } catch (err) {
    process.stdout.write(JSON.stringify({ id, error: String(err && err.stack ? err.stack : err) }) + "\n");
  }
});
