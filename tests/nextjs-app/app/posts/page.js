// The list of posts; its links keep Next.js' default prefetching (the posts are static).
import Link from "next/link";
import { POSTS } from "./posts";

export default function Posts() {
  return (
    <>
      <h1 data-testid="page-title">Posts</h1>
      <ul data-testid="posts-list">
        {POSTS.map((post) => (
          <li key={post.slug}>
            <Link href={`/posts/${post.slug}`} data-testid={`post-link-${post.slug}`}>
              {post.title}
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}
