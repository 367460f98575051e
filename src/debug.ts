// The one debug namespace, connect-mongo's: `DEBUG=connect-mongo` shows what the store does.
import Debug from 'debug';

export const debug = Debug('connect-mongo');
