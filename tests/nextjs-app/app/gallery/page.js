// next/image with a public/ file: the page's <img> points at /_next/image?url=%2Fimages%2Flogo.png..., served by
// OpenNext's image-optimization function from the assets origin.
import Image from "next/image";

export default function Gallery() {
  return (
    <>
      <h1 data-testid="page-title">Gallery</h1>
      <Image data-testid="gallery-image" src="/images/logo.png" alt="nextstack logo" width={64} height={64} priority />
    </>
  );
}
