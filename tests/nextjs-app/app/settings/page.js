// The server's own settings, read from its environment at request time (dynamic = "force-dynamic": never
// prerendered, so the value is the deployed function's, not the build machine's). NEXTSTACK_SITE_SETTING is what
// a layout passes as a plain environment variable (modules/nextjs-serverless: server_environment); unset, the
// page says so.
export const dynamic = "force-dynamic";

export default function Settings() {
  const setting = process.env.NEXTSTACK_SITE_SETTING;
  return (
    <>
      <h1 data-testid="page-title">Settings</h1>
      <p>
        NEXTSTACK_SITE_SETTING is{" "}
        <code data-testid="site-setting" data-set={setting === undefined ? "no" : "yes"}>
          {setting ?? "(unset)"}
        </code>
        .
      </p>
    </>
  );
}
