// Route handler for requests with a body: answers with the method, the Content-Type, the body's size and the
// body itself (parsed when it is JSON, else as text). POST, PUT, PATCH and DELETE (with or without a body), and
// GET (no body).
export const dynamic = "force-dynamic";

async function echo(request) {
  const text = await request.text();
  const contentType = request.headers.get("content-type");
  let body = text === "" ? null : text;
  if (text !== "" && /\bjson\b/i.test(contentType ?? "")) {
    try {
      body = JSON.parse(text);
    } catch (err) {
      return Response.json({ method: request.method, error: `invalid JSON: ${err.message}` }, { status: 400 });
    }
  }
  return Response.json({
    method: request.method,
    contentType,
    bytes: new TextEncoder().encode(text).length,
    body,
  });
}

export { echo as GET, echo as POST, echo as PUT, echo as PATCH, echo as DELETE };
