// The 404 page for every unknown URL (and for notFound()).
export default function NotFound() {
  return (
    <>
      <h1 data-testid="page-title">Page not found</h1>
      <p data-testid="not-found">Nothing here: this page does not exist in the nextstack test app.</p>
    </>
  );
}
