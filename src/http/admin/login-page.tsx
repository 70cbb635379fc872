// The /admin pages shown before the dashboard: the sign-in form (one password field,
// posted to /admin/login, so the token never goes in a URL), and the page that says /admin
// is off until ADMIN_TOKEN is set, or that a request came from another site.
import { Layout } from "./admin-layout.js";

export interface LoginProps {
  /** Why the form is shown again, if it is. */
  error?: string;
}

export function LoginPage({ error }: LoginProps) {
  return (
    <Layout title="Sign in · MCP gateway admin">
      <main class="login">
        <h1>MCP gateway admin</h1>
        <form method="post" action="/admin/login">
          <label for="token">Admin token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
          {error ? (
            <p class="error" role="alert">
              {error}
            </p>
          ) : null}
          <button type="submit">Sign in</button>
        </form>
        <p class="muted">The ADMIN_TOKEN Worker secret. This browser keeps a signed cookie, never the token.</p>
      </main>
    </Layout>
  );
}

export function MessagePage({ title, message }: { title: string; message: string }) {
  return (
    <Layout title={`${title} · MCP gateway admin`}>
      <main class="login">
        <h1>{title}</h1>
        <p>{message}</p>
      </main>
    </Layout>
  );
}
