// The time a page or a cached value was generated, for the pages that show it (ISR, on-demand revalidation,
// posts rendered on demand). During `next build` it is the fixed instant BUILD_TIME, so that two builds of the
// same sources stay byte-identical (cache/ and the fetch cache hold the prerendered HTML and values); when the
// server function renders at run time it is the current time. Pages show it in ISO form with
// data-generated-during="build" or "request".

export const BUILD_TIME = "2000-01-01T00:00:00.000Z";

export function duringBuild() {
  return process.env.NEXT_PHASE === "phase-production-build";
}

export function generatedAt() {
  return duringBuild() ? BUILD_TIME : new Date().toISOString();
}

export function GeneratedAt({ testId, value }) {
  return (
    <time data-testid={testId} dateTime={value} data-generated-during={value === BUILD_TIME ? "build" : "request"}>
      {value}
    </time>
  );
}
