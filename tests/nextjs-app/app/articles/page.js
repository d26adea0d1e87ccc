// ISR page: prerendered at build time and revalidated every 60 s. Its data comes from a fetch tagged "articles",
// so the build writes a fetch-cache entry (cache/__fetch/<BUILD_ID>/) and tag rows (dynamodb-cache.json).
export const revalidate = 60;

async function getArticles() {
  const url = process.env.NEXTSTACK_FETCH_URL;
  if (!url) {
    throw new Error("NEXTSTACK_FETCH_URL is not set: build with tests/nextjs-app/build.sh, which serves it");
  }
  const res = await fetch(url, { next: { revalidate: 60, tags: ["articles"] } });
  if (!res.ok) {
    throw new Error(`GET ${url}: HTTP ${res.status}`);
  }
  return (await res.json()).articles;
}

export default async function Articles() {
  const articles = await getArticles();
  return (
    <>
      <h1 data-testid="page-title">Articles</h1>
      <ul data-testid="articles-list">
        {articles.map((a) => (
          <li key={a.id}>{a.title}</li>
        ))}
      </ul>
    </>
  );
}
