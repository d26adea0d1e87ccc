// Serves one JSON file on 127.0.0.1:<port> for the tagged fetch of app/articles/page.js during the build.
// No Date header and fixed headers, so the fetch-cache entry (which stores the response headers) is the same
// on every build. Usage: node fetch-server.mjs <file> <port> <ready-file>
import { createServer } from "node:http";
import { readFileSync, writeFileSync } from "node:fs";

const [file, port, readyFile] = process.argv.slice(2);
const body = readFileSync(file);

const server = createServer((req, res) => {
  res.sendDate = false;
  res.shouldKeepAlive = false;
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
  res.end(req.method === "HEAD" ? undefined : body);
});
server.on("error", (err) => {
  console.error(`fetch-server: cannot listen on 127.0.0.1:${port}: ${err.message}` +
    (err.code === "EADDRINUSE" ? " (set NEXTSTACK_FETCH_PORT to a free port)" : ""));
  process.exit(1);
});
server.listen(Number(port), "127.0.0.1", () => writeFileSync(readyFile, String(server.address().port)));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
