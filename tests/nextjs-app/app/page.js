// Static page (prerendered at build time, never revalidated).
export default function Home() {
  return (
    <>
      <h1>nextstack test app</h1>
      <p>A static home page.</p>
    </>
  );
}
