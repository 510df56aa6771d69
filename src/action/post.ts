import { post } from './run.js';

await post();
