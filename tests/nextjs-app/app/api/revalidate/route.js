// On-demand revalidation: POST a JSON body {"path": "/path-revalidated"} (revalidatePath) or {"tag": "tagged-time"}
// (revalidateTag), or both. Answers {revalidated: true, path, tag, now}; 400 without either. (A real site would
// also check a secret; this app is only ever served locally.)
import { revalidatePath, revalidateTag } from "next/cache";

export async function POST(request) {
  let input;
  try {
    input = await request.json();
  } catch {
    return Response.json({ revalidated: false, error: "the body must be JSON" }, { status: 400 });
  }
  const path = typeof input?.path === "string" && input.path.startsWith("/") ? input.path : null;
  const tag = typeof input?.tag === "string" && input.tag !== "" ? input.tag : null;
  if (!path && !tag) {
    return Response.json(
      { revalidated: false, error: 'expected {"path": "/..."} or {"tag": "..."}' },
      { status: 400 },
    );
  }
  if (path) revalidatePath(path);
  if (tag) revalidateTag(tag);
  return Response.json({ revalidated: true, path, tag, now: new Date().toISOString() });
}
