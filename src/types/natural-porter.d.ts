// Typing for the one file of natural we import (see src/classify/stem.ts for why not the package root).
declare module 'natural/lib/natural/stemmers/porter_stemmer.js' {
  const PorterStemmer: { stem(token: string): string };
  export default PorterStemmer;
}
