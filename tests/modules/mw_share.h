/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What mw_buggy and mw_clean do alike around the race scenarios
 * (mw_ioctl.h): the shared buffer's lazy allocation, an object filled by
 * one task and handed to another (Rust's Send), and a buffer of each open
 * file's own (used by one task). All correct: a checker reports none of it.
 * Included by both modules after their mw_site definition.
 */
#ifndef MW_SHARE_H
#define MW_SHARE_H

static u8 *mw_shared;
static u8 *mw_handoff;

/* The device's one shared buffer, allocated by its first user (never split: see srcline). */
static mw_site u8 *mw_shared_get(void)
{
	u8 *buf = READ_ONCE(mw_shared), *fresh;

	if (buf)
		return buf;
	fresh = kzalloc(MW_SHARED_LEN, GFP_KERNEL);
	if (!fresh)
		return NULL;
	buf = cmpxchg(&mw_shared, NULL, fresh);
	if (!buf)
		return fresh;
	kfree(fresh);
	return buf;
}

/* Filled by this task, then owned by whoever takes it: only one task at a time. */
static mw_site long mw_handoff_put(const struct mw_buf *b)
{
	u8 *obj = kmalloc(MW_SHARED_LEN, GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	if (copy_from_user(obj, u64_to_user_ptr(b->uptr), MW_SHARED_LEN)) {
		kfree(obj);
		return -EFAULT;
	}
	kfree(xchg(&mw_handoff, obj));
	return 0;
}

static mw_site long mw_handoff_take(const struct mw_buf *b)
{
	u8 *obj = xchg(&mw_handoff, NULL);
	long n = MW_SHARED_LEN;

	if (!obj)
		return -ENOENT;
	if (copy_to_user(u64_to_user_ptr(b->uptr), obj, MW_SHARED_LEN))
		n = -EFAULT;
	kfree(obj);
	return n;
}

/* misc_open() points private_data at the miscdevice: the file's own buffer goes there instead. */
static int mw_share_open(struct inode *inode, struct file *file)
{
	file->private_data = NULL;
	return 0;
}

static mw_site long mw_private_write(struct file *file, const struct mw_buf *b)
{
	u8 *buf = file->private_data;

	if (!buf) {
		buf = kzalloc(MW_SHARED_LEN, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		file->private_data = buf;
	}
	return copy_from_user(buf, u64_to_user_ptr(b->uptr), MW_SHARED_LEN) ? -EFAULT :
									      MW_SHARED_LEN;
}

static mw_site long mw_private_read(struct file *file, const struct mw_buf *b)
{
	u8 *buf = file->private_data;

	if (!buf)
		return -ENOENT;
	return copy_to_user(u64_to_user_ptr(b->uptr), buf, MW_SHARED_LEN) ? -EFAULT :
									    MW_SHARED_LEN;
}

/* The ioctls both modules serve alike; -ENOTTY for the others. */
static long mw_share_ioctl(struct file *file, unsigned int cmd, const void __user *argp)
{
	struct mw_buf b;

	if (cmd != MW_IOC_HANDOFF_PUT && cmd != MW_IOC_HANDOFF_TAKE &&
	    cmd != MW_IOC_PRIVATE_WRITE && cmd != MW_IOC_PRIVATE_READ)
		return -ENOTTY;
	if (copy_from_user(&b, argp, sizeof(b)))
		return -EFAULT;
	switch (cmd) {
	case MW_IOC_HANDOFF_PUT:
		return mw_handoff_put(&b);
	case MW_IOC_HANDOFF_TAKE:
		return mw_handoff_take(&b);
	case MW_IOC_PRIVATE_WRITE:
		return mw_private_write(file, &b);
	default:
		return mw_private_read(file, &b);
	}
}

/* At release and at module exit. */
static void mw_share_release(struct file *file)
{
	kfree(file->private_data);
	file->private_data = NULL;
}

static void mw_share_exit(void)
{
	kfree(xchg(&mw_shared, NULL));
	kfree(xchg(&mw_handoff, NULL));
}

#endif /* MW_SHARE_H */
