// The posts prerendered by app/posts/[slug]/page.js (generateStaticParams).
export const POSTS = [
  { slug: "hello-world", title: "Hello, world" },
  { slug: "second-post", title: "The second post" },
  { slug: "third-post", title: "The third post" },
];
