// The page's call to the API, as a static export inlines it: the API's URL is fixed at build time
// (NEXT_PUBLIC_API_URL; the test writes it in when it publishes the export).
(async () => {
  const out = document.querySelector("[data-testid=api-result]");
  try {
    const response = await fetch("__API_URL__/api/hello");
    const body = await response.json();
    out.textContent = response.status + " " + body.message + " key=" + body.openai_key_sha256;
  } catch (error) {
    out.textContent = "failed: " + error;
  }
})();
