// A Server Action behind a <form> (./actions.js, "use server"), called through useActionState from a client
// component (./guestbook-form.js). The page itself is static.
import GuestbookForm from "./guestbook-form";

export default function Guestbook() {
  return (
    <>
      <h1 data-testid="page-title">Guestbook</h1>
      <GuestbookForm />
    </>
  );
}
