// Streaming with <Suspense>: rendered on every request; the shell (with the fallback) is sent first and the slow
// part, an async server component that waits about 1 s, streams in after it and replaces the fallback.
import { Suspense } from "react";

export const dynamic = "force-dynamic";

const DELAY_MS = 1000;

async function SlowPart({ startedAt }) {
  await new Promise((resolve) => setTimeout(resolve, DELAY_MS));
  return (
    <p data-testid="streaming-content">
      Streamed in after {Date.now() - startedAt} ms (at {new Date().toISOString()}).
    </p>
  );
}

export default function Streaming() {
  const startedAt = Date.now();
  return (
    <>
      <h1 data-testid="page-title">Streaming</h1>
      <p data-testid="streaming-shell">Shell rendered at {new Date(startedAt).toISOString()}.</p>
      <Suspense fallback={<p data-testid="streaming-fallback">Loading the slow part...</p>}>
        <SlowPart startedAt={startedAt} />
      </Suspense>
    </>
  );
}
