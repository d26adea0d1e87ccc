// A static page whose data is cached with a tag: unstable_cache with tags ["tagged-time"] (the page inherits the
// tag). POST {"tag": "tagged-time"} to /api/revalidate and the next request renders it again with a new time.
import { unstable_cache } from "next/cache";
import { GeneratedAt, generatedAt } from "../../lib/generated-at";

const TAG = "tagged-time";

const getTaggedTime = unstable_cache(async () => ({ generatedAt: generatedAt() }), ["tagged-time"], {
  tags: [TAG],
});

export default async function Tagged() {
  const data = await getTaggedTime();
  return (
    <>
      <h1 data-testid="page-title">Tagged cache</h1>
      <p>
        Tag <code data-testid="tagged-tag">{TAG}</code>, value generated at{" "}
        <GeneratedAt testId="tagged-generated-at" value={data.generatedAt} />.
      </p>
    </>
  );
}
