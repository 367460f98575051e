// `express4` is an npm alias of express@4 (devDependency). Its public API used by the tests is the same
// as Express 5's, so it borrows @types/express.
declare module 'express4' {
  import express from 'express';
  export default express;
}
