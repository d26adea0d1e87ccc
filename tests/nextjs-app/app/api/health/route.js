// Dynamic route handler: never prerendered, always run by the server function (the time changes per request).
export const dynamic = "force-dynamic";

export async function GET() {
  return Response.json({ status: "ok", time: new Date().toISOString() });
}
