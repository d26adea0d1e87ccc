// A dynamic route with generateStaticParams: the three posts of ../posts.js are prerendered at build time.
// dynamicParams = true: any other slug of lowercase letters, digits and hyphens is rendered on its first request
// (and then cached like the prerendered ones, with the time it was rendered); any other slug is a 404.
import { notFound } from "next/navigation";
import { GeneratedAt, generatedAt } from "../../../lib/generated-at";
import { POSTS } from "../posts";

export const dynamicParams = true;

export function generateStaticParams() {
  return POSTS.map(({ slug }) => ({ slug }));
}

export default async function Post({ params }) {
  const { slug } = await params;
  if (!/^[a-z0-9-]{1,64}$/.test(slug)) {
    notFound();
  }
  const post = POSTS.find((p) => p.slug === slug);
  return (
    <>
      <h1 data-testid="page-title">{post ? post.title : `Post ${slug}`}</h1>
      <p>
        Slug <code data-testid="post-slug">{slug}</code>,{" "}
        <span data-testid="post-source">{post ? "prebuilt" : "on-demand"}</span>, generated at{" "}
        <GeneratedAt testId="post-generated-at" value={generatedAt()} />.
      </p>
    </>
  );
}
