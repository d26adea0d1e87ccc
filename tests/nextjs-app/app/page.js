// Static page (prerendered at build time, never revalidated).
export default function Home() {
  return (
    <>
      <h1 data-testid="page-title">nextstack test app</h1>
      <p data-testid="home-text">A static home page.</p>
    </>
  );
}
