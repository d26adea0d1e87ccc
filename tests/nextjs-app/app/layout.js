export const metadata = {
  title: "nextstack test app",
  description: "A small Next.js app whose OpenNext build the nextstack tests publish",
};

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>
        <nav>
          <a href="/">Home</a> · <a href="/about">About</a> · <a href="/articles">Articles</a> ·{" "}
          <a href="/gallery">Gallery</a> · <a href="/api/health">Health</a>
        </nav>
        <main>{children}</main>
      </body>
    </html>
  );
}
