// A Pages Router ISR page whose content is withdrawn after the build: getStaticProps finds it during `next build`
// (prerendered with the build's time) and returns notFound at run time, revalidating every 10 s. The first
// regeneration after the build turns it into a 404, and Next.js then removes the page's cache entry (the response
// cache stores null, which OpenNext's cache handler turns into incrementalCache.delete: S3 DeleteObject on the
// cache prefix). The App Router never stores null, so this is the app's one page that makes OpenNext delete.
import { BUILD_TIME, duringBuild } from "../lib/generated-at";

const REVALIDATE = 10;

export async function getStaticProps() {
  if (!duringBuild()) {
    return { notFound: true, revalidate: REVALIDATE };
  }
  return { props: { generatedAt: BUILD_TIME }, revalidate: REVALIDATE };
}

export default function Retired({ generatedAt }) {
  return (
    <>
      <h1 data-testid="page-title">Retired</h1>
      <p>
        Withdrawn after the build (generated at <time data-testid="retired-generated-at">{generatedAt}</time>): a
        404 once regenerated.
      </p>
    </>
  );
}
