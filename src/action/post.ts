import { post } from './save.js';

await post();
