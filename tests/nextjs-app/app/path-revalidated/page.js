// A static page (never revalidated on a timer) regenerated on demand by path: POST {"path": "/path-revalidated"}
// to /api/revalidate and the next request renders it again with a new time.
import { GeneratedAt, generatedAt } from "../../lib/generated-at";

export default function PathRevalidated() {
  return (
    <>
      <h1 data-testid="page-title">Revalidated by path</h1>
      <p>
        Generated at <GeneratedAt testId="path-generated-at" value={generatedAt()} />.
      </p>
    </>
  );
}
