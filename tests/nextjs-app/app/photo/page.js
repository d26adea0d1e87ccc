// next/image resizing a larger public/ file: landscape.png is 800x500 and shown at 256x160, so the <img>'s srcset
// asks /_next/image?url=%2Fimages%2Flandscape.png&w=256 (1x) and w=640 (2x): both are resized down from the
// source by OpenNext's image-optimization function. On a page of its own (not beside /gallery's logo), so that a
// page load sends the image function one request at a time.
import Image from "next/image";

export default function Photo() {
  return (
    <>
      <h1 data-testid="page-title">Photo</h1>
      <Image data-testid="photo-image" src="/images/landscape.png" alt="a gradient with a disc" width={256} height={160} priority />
    </>
  );
}
