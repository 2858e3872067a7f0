export { engineInfo, describeWithEngine } from './engine.js';
