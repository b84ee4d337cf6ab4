/** Convenience for entry points: read + validate + compile the taxonomy and build a classifier. */
import { createClassifier, type Classifier } from './classifier.js';
import { compileTaxonomy } from '../taxonomy/compile.js';
import { loadTaxonomy } from '../taxonomy/load.js';

export interface LoadClassifierOptions {
  /** Taxonomy directory; defaults to the one shipped with the package. */
  taxonomyDir?: string;
  threshold?: number;
}

export function loadClassifier(options: LoadClassifierOptions = {}): Classifier {
  return createClassifier(compileTaxonomy(loadTaxonomy(options.taxonomyDir)), { threshold: options.threshold });
}
