import mongoose, { Schema, Types } from 'mongoose';
import { Harness, startHarness } from './harness';

let h: Harness;
let conn: mongoose.Connection;

interface User {
  email: string;
  name: string;
  age?: number;
  roles: string[];
  createdAt?: Date;
  updatedAt?: Date;
}
interface Post {
  author: Types.ObjectId;
  body: string;
  status?: 'pending' | 'approved' | 'rejected';
  version?: number;
  views?: number;
}

const userSchema = new Schema<User>(
  {
    email: { type: String, required: true, unique: true, lowercase: true },
    name: { type: String, required: true, minlength: 2 },
    age: { type: Number, min: 0 },
    roles: { type: [String], default: [] },
  },
  { timestamps: true },
);
const postSchema = new Schema<Post>({
  author: { type: Schema.Types.ObjectId, ref: 'User', required: true, index: true },
  body: { type: String, required: true },
  status: { type: String, enum: ['pending', 'approved', 'rejected'], default: 'pending' },
  version: { type: Number, default: 1 },
  views: { type: Number, default: 0 },
});
postSchema.index({ author: 1, status: 1 });

beforeAll(async () => {
  h = await startHarness();
  conn = await mongoose
    .createConnection(h.uri.replace('/test', '/mongoose_conformance'))
    .asPromise();
  UserM = conn.model<User>('User', userSchema);
  PostM = conn.model<Post>('Post', postSchema);
});
afterAll(async () => {
  await conn.close();
  await h.close();
});

let UserM: mongoose.Model<User> | undefined;
let PostM: mongoose.Model<Post> | undefined;
const UserModel = (): mongoose.Model<User> => UserM as mongoose.Model<User>;
const PostModel = (): mongoose.Model<Post> => PostM as mongoose.Model<Post>;

describe('Mongoose on the embedded engine', () => {
  test('init creates the collections and indexes; syncIndexes is a no-op afterwards', async () => {
    const User = UserModel();
    const Post = PostModel();
    await User.init();
    await Post.init();
    const names = (await User.listIndexes()).map((i) => i.name);
    expect(names).toEqual(['_id_', 'email_1']);
    expect((await Post.listIndexes()).map((i) => i.name).sort()).toEqual([
      '_id_',
      'author_1',
      'author_1_status_1',
    ]);
    expect(await User.syncIndexes()).toEqual([]);
  });

  test('create, timestamps, validation errors stay on the Mongoose side', async () => {
    const User = UserModel();
    const ann = await User.create({ email: 'ANN@example.org', name: 'Ann', age: 30 });
    expect(ann.email).toBe('ann@example.org');
    expect(ann.createdAt).toBeInstanceOf(Date);
    const err = await User.create({ email: 'x@example.org', name: 'A', age: -1 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(mongoose.Error.ValidationError);
    expect(Object.keys((err as mongoose.Error.ValidationError).errors).sort()).toEqual([
      'age',
      'name',
    ]);
  });

  test('a duplicate unique field surfaces as a MongoServerError 11000 with keyValue', async () => {
    const User = UserModel();
    const err = (await User.create({ email: 'ann@example.org', name: 'Again' }).catch(
      (e: unknown) => e,
    )) as {
      code?: number;
      keyValue?: unknown;
    };
    expect(err.code).toBe(11000);
    expect(err.keyValue).toEqual({ email: 'ann@example.org' });
  });

  test('queries, lean, countDocuments, populate', async () => {
    const User = UserModel();
    const Post = PostModel();
    const bo = await User.create({ email: 'bo@example.org', name: 'Bo', roles: ['moderator'] });
    const ann = await User.findOne({ email: 'ann@example.org' }).orFail();
    expect(bo._id).toBeInstanceOf(Types.ObjectId);
    await Post.insertMany([
      { author: ann._id, body: 'one' },
      { author: ann._id, body: 'two', status: 'approved' },
      { author: bo._id, body: 'three', status: 'approved' },
    ]);
    expect(await Post.countDocuments({ status: 'approved' })).toBe(2);
    expect(await Post.countDocuments({ author: ann._id })).toBe(2);
    const lean = await Post.find({ author: ann._id }).sort({ body: -1 }).lean();
    expect(lean.map((p) => p.body)).toEqual(['two', 'one']);
    expect(lean[0]?.author).toBeInstanceOf(Types.ObjectId);
    const populated = await Post.find({ status: 'approved' })
      .sort({ body: 1 })
      .populate<{ author: User }>('author', 'name');
    expect(populated.map((p) => [p.body, p.author.name])).toEqual([
      ['three', 'Bo'],
      ['two', 'Ann'],
    ]);
    expect(await User.exists({ roles: 'moderator' })).toBeTruthy();
    expect(await User.distinct('name')).toEqual(expect.arrayContaining(['Ann', 'Bo']));
  });

  test('conditional findOneAndUpdate decides once (optimistic locking)', async () => {
    const Post = PostModel();
    const post = await Post.findOne({ body: 'one' }).orFail();
    const decide = () =>
      Post.findOneAndUpdate(
        { _id: post._id, status: 'pending', version: post.version },
        { $set: { status: 'approved' }, $inc: { version: 1 } },
        { new: true },
      );
    const [a, b] = await Promise.all([decide(), decide()]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect((await Post.findById(post._id).orFail()).version).toBe(2);
  });

  test('upsert with $setOnInsert and updateOne/updateMany results', async () => {
    const User = UserModel();
    const res = await User.updateOne(
      { email: 'cy@example.org' },
      { $setOnInsert: { name: 'Cy', roles: ['member'] }, $set: { age: 40 } },
      { upsert: true },
    );
    expect(res.upsertedCount).toBe(1);
    const again = await User.updateOne(
      { email: 'cy@example.org' },
      { $setOnInsert: { name: 'Other' }, $set: { age: 41 } },
      { upsert: true },
    );
    expect(again).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    expect(await User.findOne({ email: 'cy@example.org' }).lean()).toMatchObject({
      name: 'Cy',
      age: 41,
    });
    const many = await PostModel().updateMany({}, { $inc: { views: 1 } });
    expect(many.modifiedCount).toBe(3);
  });

  test('bulkWrite ordered stops at the first error; unordered reports all', async () => {
    const User = UserModel();
    const ordered = (await User.bulkWrite([
      { insertOne: { document: { email: 'd1@example.org', name: 'D1' } } },
      { insertOne: { document: { email: 'ann@example.org', name: 'Dup' } } },
      { insertOne: { document: { email: 'd2@example.org', name: 'D2' } } },
    ]).catch((e: unknown) => e)) as { code?: number; writeErrors?: unknown[] };
    expect(ordered.code).toBe(11000);
    expect(await User.countDocuments({ email: /^d\d@/ })).toBe(1);
    const unordered = (await User.bulkWrite(
      [
        { insertOne: { document: { email: 'bo@example.org', name: 'Dup' } } },
        { insertOne: { document: { email: 'd3@example.org', name: 'D3' } } },
        {
          updateOne: {
            filter: { email: 'd3@example.org' },
            update: { $set: { email: 'ann@example.org' } },
          },
        },
        { deleteOne: { filter: { email: 'd1@example.org' } } },
      ],
      { ordered: false },
    ).catch((e: unknown) => e)) as { writeErrors?: Array<{ index: number }> };
    expect(unordered.writeErrors?.map((e) => e.index)).toEqual([0, 2]);
    expect(await User.countDocuments({ email: /^d\d@/ })).toBe(1);
  });

  test('arrayFilters through Mongoose', async () => {
    const User = UserModel();
    await User.updateOne(
      { email: 'bo@example.org' },
      { $set: { 'roles.$[r]': 'advocate' } },
      { arrayFilters: [{ r: 'moderator' }] },
    );
    expect((await User.findOne({ email: 'bo@example.org' }).lean())?.roles).toEqual(['advocate']);
  });

  test('document save: array push/pull, __v versioning and a stale save rejected', async () => {
    const User = UserModel();
    const doc = await User.findOne({ email: 'ann@example.org' }).orFail();
    const stale = await User.findOne({ email: 'ann@example.org' }).orFail();
    doc.roles.push('member', 'advocate');
    doc.name = 'Ann B';
    await doc.save();
    const fresh = await User.findById(doc._id).lean().orFail();
    expect(fresh).toMatchObject({ name: 'Ann B', roles: ['member', 'advocate'], __v: 1 });
    (doc.roles as Types.Array<string>).pull('member');
    await doc.save();
    expect((await User.findById(doc._id).lean().orFail()).roles).toEqual(['advocate']);
    stale.roles.splice(0, 0, 'x');
    (stale.roles as Types.Array<string>).pull('nothing');
    const err = await stale.save().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(mongoose.Error.VersionError);
  });

  test('deleteMany, estimatedDocumentCount and dropping the database', async () => {
    const Post = PostModel();
    expect((await Post.deleteMany({ status: 'approved' })).deletedCount).toBe(3);
    expect(await Post.estimatedDocumentCount()).toBe(0);
    await conn.dropDatabase();
    expect(await UserModel().countDocuments()).toBe(0);
  });
});
