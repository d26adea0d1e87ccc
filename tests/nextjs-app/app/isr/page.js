// ISR with a short period: prerendered at build time (generated-at = BUILD_TIME, see lib/generated-at.js) and
// regenerated in the background by the first request more than 10 s after the last generation; that request
// still gets the stale page, a later one the new time.
import { GeneratedAt, generatedAt } from "../../lib/generated-at";

export const revalidate = 10;

export default function Isr() {
  return (
    <>
      <h1 data-testid="page-title">ISR</h1>
      <p>
        Revalidated every <span data-testid="isr-revalidate">{revalidate}</span> s. Generated at{" "}
        <GeneratedAt testId="isr-generated-at" value={generatedAt()} />.
      </p>
    </>
  );
}
