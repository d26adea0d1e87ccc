// Static page whose text depends on NEXTSTACK_VARIANT (inlined at build time by next.config.mjs): the page the
// tests change between a first and a second build.
import Greeting from "./greeting";

const TEXT = process.env.NEXTSTACK_VARIANT === "2" ? "About this app, second edition." : "About this app.";

export default function About() {
  return (
    <>
      <h1 data-testid="page-title">About</h1>
      <p data-testid="about-text">{TEXT}</p>
      <Greeting />
    </>
  );
}
