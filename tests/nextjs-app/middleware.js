// Middleware (OpenNext bundles it into the server function): redirects /old-about to /about (307, the query
// kept) and adds `x-nextstack-middleware: 1` to every response it passes on. The matcher leaves out the hashed
// assets, the image optimizer and the public files.
import { NextResponse } from "next/server";

export function middleware(request) {
  if (request.nextUrl.pathname === "/old-about") {
    return NextResponse.redirect(new URL(`/about${request.nextUrl.search}`, request.url), 307);
  }
  const response = NextResponse.next();
  response.headers.set("x-nextstack-middleware", "1");
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon\\.ico|robots\\.txt|images/).*)"],
};
