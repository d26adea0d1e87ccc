"use client";
// The form of /guestbook: useActionState posts the form to the Server Action (a POST to /guestbook with a
// Next-Action header once the page is hydrated; a plain form POST before) and shows what it returned.
import { useActionState } from "react";
import { signGuestbook } from "./actions";

const INITIAL = { ok: false, error: null, message: null, signedAt: null, count: 0 };

export default function GuestbookForm() {
  const [state, formAction, pending] = useActionState(signGuestbook, INITIAL);
  return (
    <form action={formAction} data-testid="guestbook-form">
      <label>
        Name <input name="name" data-testid="guestbook-name" autoComplete="off" />
      </label>{" "}
      <button type="submit" data-testid="guestbook-submit" disabled={pending}>
        Sign
      </button>
      {state.message && (
        <p data-testid="guestbook-result" data-signed-at={state.signedAt}>
          {state.message}
        </p>
      )}
      {state.error && <p data-testid="guestbook-error">{state.error}</p>}
      <p>
        Signed <span data-testid="guestbook-count">{state.count}</span> time(s) on this page.
      </p>
    </form>
  );
}
