// The Lambda handler of an OpenNext server function behind an ALB, with no CDN and no bucket in front: it
// serves the build's static assets itself (`/_next/static/...`, the `public/` files), which OpenNext's server
// never does (Next.js runs in minimal mode and expects CloudFront to serve them from S3). The lambda-previews
// module puts them into the function's zip under nextstack-assets/ (nextstack_nextjs_build's bundle_assets).
//
// GET and HEAD requests for a file there are answered from it, with OpenNext's Cache-Control split (hashed
// files under _next/ immutable, every other file revalidated); everything else goes to the server through the
// converter, as OpenNext's buffered aws-lambda wrapper does it (an ALB cannot stream).
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Wrapper, WrapperHandler } from "@opennextjs/aws/types/overrides.js";
import { toAlbResponse } from "./alb-converter";

export const ALB_WRAPPER = "nextstack-alb";
export const ASSETS_DIR = "nextstack-assets";

// An ALB takes Lambda responses of at most 1 MB; base64 makes a body 4/3 its size, headers need the rest.
const MAX_ASSET_BYTES = 700 * 1024;

const IMMUTABLE = "public,max-age=31536000,immutable";
const REVALIDATE = "public,max-age=0,s-maxage=31536000,must-revalidate";

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".map": "application/json",
  ".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8", ".xml": "application/xml",
  ".webmanifest": "application/manifest+json", ".svg": "image/svg+xml", ".png": "image/png",
  ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif",
  ".ico": "image/x-icon", ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf",
  ".wasm": "application/wasm", ".pdf": "application/pdf", ".mp4": "video/mp4", ".webm": "video/webm",
};

function assetsRoot(): string {
  const taskRoot = process.env.LAMBDA_TASK_ROOT ?? path.dirname(fileURLToPath(import.meta.url));
  return path.join(taskRoot, ASSETS_DIR);
}

// The file under the assets root a request path names, or undefined (outside it, a directory, not there).
export async function assetFor(root: string, requestPath: string): Promise<{ file: string; key: string } | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const key = path.posix.normalize(decoded).replace(/^\/+/, "");
  if (key === "" || key === "." || key.startsWith("../") || key === ".." || key === "BUILD_ID") return undefined;
  const file = path.join(root, key);
  if (!file.startsWith(root + path.sep)) return undefined;
  try {
    return (await stat(file)).isFile() ? { file, key } : undefined;
  } catch {
    return undefined;
  }
}

async function serveAsset(method: string, asset: { file: string; key: string }): Promise<any> {
  const body = await readFile(asset.file);
  if (body.length > MAX_ASSET_BYTES) {
    console.error(`${asset.key}: ${body.length} bytes is more than an ALB takes in a Lambda response`);
    return toAlbResponse({ statusCode: 502, headers: { "content-type": "text/plain; charset=utf-8" }, body: "asset too large\n" });
  }
  const type = CONTENT_TYPES[path.extname(asset.key).toLowerCase()] ?? "application/octet-stream";
  return toAlbResponse({
    statusCode: 200,
    headers: {
      "content-type": type,
      "content-length": String(body.length),
      "cache-control": asset.key.startsWith("_next/") ? IMMUTABLE : REVALIDATE,
    },
    isBase64Encoded: true,
    body: method === "HEAD" ? "" : body.toString("base64"),
  });
}

const handler: WrapperHandler = async (handler, converter) => {
  const root = assetsRoot();
  return async (event: any) => {
    const method = String(event.httpMethod ?? "").toUpperCase();
    if (method === "GET" || method === "HEAD") {
      const asset = await assetFor(root, String(event.path ?? "/"));
      if (asset) return serveAsset(method, asset);
    }
    const internalEvent = await converter.convertFrom(event);
    // As in OpenNext's aws-lambda wrapper: a stream that is written to but never read, so the server's
    // response stream is consumed (Node may otherwise end the process silently on suspended renders).
    const streamCreator = {
      writeHeaders: () => new Writable({ write: (_chunk, _encoding, callback) => callback() }),
    };
    const response = await handler(internalEvent, { streamCreator });
    return converter.convertTo(response, event);
  };
};

const wrapper: Wrapper = {
  name: ALB_WRAPPER,
  wrapper: handler,
  supportStreaming: false,
};

export default wrapper;
