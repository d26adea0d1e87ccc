"use client";
// A client component: its code lands in a hashed chunk under _next/static/chunks/app/about/, so changing the
// variant renames that chunk (a new immutable file, the old one kept for visitors still on the previous build).
import { useState } from "react";

const GREETING = process.env.NEXTSTACK_VARIANT === "2" ? "Hello again" : "Hello";

export default function Greeting() {
  const [count, setCount] = useState(0);
  return (
    <button type="button" data-testid="greeting" onClick={() => setCount(count + 1)}>
      {GREETING} ({count})
    </button>
  );
}
