// The frame of every /admin page: a document readable on a phone (viewport), with the one
// inline style sheet the Content-Security-Policy allows by hash, and, for the dashboard, a
// refresh every REFRESH_SECONDS without any script. What goes in it is each page's own.
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import { ADMIN_CSS } from "./admin-style.js";

export const REFRESH_SECONDS = 15;

export interface LayoutProps {
  title: string;
  /** Reload the page every REFRESH_SECONDS (the dashboard; never a form). */
  refresh?: boolean;
  children?: Child;
}

export function Layout({ title, refresh, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        {refresh ? <meta http-equiv="refresh" content={String(REFRESH_SECONDS)} /> : null}
        <title>{title}</title>
        {/* Our own constant, not data: raw keeps its text exactly what the CSP hash covers. */}
        <style>{raw(ADMIN_CSS)}</style>
      </head>
      <body>{children}</body>
    </html>
  );
}
