// The root layout: a nav of next/link links (client-side navigation between the pages; every page has an
// <h1 data-testid="page-title"> with its own text) and a plain <a> to the JSON route.
//
// The nav's links do not prefetch (prefetch={false}): otherwise every page load would fetch the RSC payload of
// every linked page in the background, which also regenerates stale ISR pages behind a test's back. The links on
// /posts keep Next.js' default prefetching.
import Link from "next/link";

export const metadata = {
  title: "nextstack test app",
  description: "A small Next.js app whose OpenNext build the nextstack tests publish",
};

const PAGES = [
  ["home", "/", "Home"],
  ["about", "/about", "About"],
  ["articles", "/articles", "Articles"],
  ["gallery", "/gallery", "Gallery"],
  ["photo", "/photo", "Photo"],
  ["guestbook", "/guestbook", "Guestbook"],
  ["isr", "/isr", "ISR"],
  ["tagged", "/tagged", "Tagged"],
  ["path-revalidated", "/path-revalidated", "Path revalidated"],
  ["streaming", "/streaming", "Streaming"],
  ["posts", "/posts", "Posts"],
  ["settings", "/settings", "Settings"],
];

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>
        <nav data-testid="nav">
          {PAGES.map(([id, href, text]) => (
            <span key={id}>
              <Link href={href} prefetch={false} data-testid={`nav-${id}`}>
                {text}
              </Link>{" "}
              ·{" "}
            </span>
          ))}
          <a href="/api/health" data-testid="nav-health">
            Health
          </a>
        </nav>
        <main>{children}</main>
      </body>
    </html>
  );
}
